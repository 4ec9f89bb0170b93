// The runtime's public face, usable in any JS environment (Node-only parts: runtime/node/index.ts;
// browser-only parts: runtime/browser/index.ts).
export { port, PortSpec, PORT_KINDS, PortKindSchema, portsConnect, type PortKind } from './ports.ts';
export {
  byteSize,
  isTensor,
  transferablesOf,
  typedArraysIn,
  type Embedding,
  type Files,
  type ImageBatch,
  type Latent,
  type LoraWeights,
  type Metrics,
  type ModelRef,
  type OnnxModelRef,
  type NodeOutputs,
  type OutputFile,
  type PortValue,
  type PortValues,
  type Prompt,
  type Scalar,
  type Series,
} from './values.ts';
export { noPlatform, type Platform, type RgbaImage } from './platform.ts';
export { withinBudget, type ByteEstimate } from './budget.ts';
export { checkImageSize, imageSize, shrunkSize, type ImageSize } from './image-size.ts';
export { seriesSummary, smoothingSpan, smoothSeries } from './series.ts';
export {
  declareNode,
  defaultParams,
  defineNode,
  implementNode,
  outputKind,
  type AnyNodeDef,
  type AnyNodeSpec,
  type DescribeFunction,
  type DynamicPorts,
  type FrameworkTags,
  type InputValues,
  type NodeDeclaration,
  type NodeExtras,
  type NodeFlags,
  type NodeSpec,
  type NodeSpecDeclaration,
  type OutputValues,
  type PortMap,
  type RunContext,
  type RunFunction,
} from './define-node.ts';
export { hasDynamicPorts, portsOf, type NodePorts } from './node-ports.ts';
export { createRegistry, implementRegistry, type Registry } from './registry.ts';
export {
  CURRENT_VERSION,
  GraphDocSchema,
  GraphEdgeSchema,
  GraphNodeSchema,
  PositionSchema,
  type GraphDoc,
  type GraphEdge,
  type GraphNode,
} from './document/schema.ts';
export { MIGRATIONS, migrate } from './document/migrations.ts';
export { MAX_GRAPH_BYTES, parseGraphJson, parseGraphText, type ParseResult } from './document/parse.ts';
export { encodePngWithGraph, GRAPH_CHUNK, graphTextFromPng } from './document/png-graph.ts';
export { crc32, PngError, pngChunks, pngTextChunks, type PngChunk } from './document/png-chunks.ts';
export { formatError, type ValidationCode, type ValidationError } from './document/errors.ts';
export { validateGraph } from './validate.ts';
export { ancestorsOf, indexGraph, type GraphIndex, type Wire } from './graph.ts';
export { hashText, stableHash, stableStringify } from './hash.ts';
export { cacheKeys, documentHash, type CacheKeys } from './cache-keys.ts';
export { defaultOutputs, planRun, shouldPersist, type RunPlan } from './plan.ts';
export type { NodeEvent, RunEvent, RunEventListener, RunStats } from './events.ts';
export { JobError, type Executor, type Job, type JobHooks, type JobInputs, type JobResult } from './executor.ts';
export { runJob } from './run-node.ts';
export { inProcessExecutor } from './in-process.ts';
export { lazyExecutor, type LazyExecutor } from './lazy-executor.ts';
export { createRuntime, type RunHandle, type RunOptions, type RunResult, type Runtime, type RuntimeOptions } from './scheduler.ts';
export { MemoryCache } from './cache/memory.ts';
export { decodeValue, encodeValue } from './cache/encode.ts';
export { memoryStore, type PersistentStore } from './cache/store.ts';
export { catalog, describeNode, portInfos, type NodeInfo, type PortInfo } from './catalog.ts';
export { workerPool, type PoolOptions, type PoolStats, type WorkerFactory, type WorkerHandle, type WorkerPool } from './pool.ts';
export { createExecutorApi, type ExecutorApi, type WorkerEvent, type WorkerReply } from './worker-api.ts';
export { Lender, type Lease } from './lender.ts';
