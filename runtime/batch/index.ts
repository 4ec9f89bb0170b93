// Batches: one graph fanned out over parameter values and grids, on any runtime.
export { batchOutputs, runBatch, type BatchHandle, type BatchOptions, type GraphState, type GraphStatus } from './run-batch.ts';
export { csvCell, metricsOf, toCsv } from './csv.ts';
export {
  applyVariant,
  axisName,
  BatchError,
  expandVariants,
  isGlob,
  MAX_VARIANTS,
  parseAxisSpec,
  parseValueList,
  type Assignment,
  type Axis,
  type AxisValue,
  type Variant,
} from './variants.ts';
