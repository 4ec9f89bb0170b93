// The graph IR: ONNX's data model with static shapes, kept as plain data.
import type { DType } from './dtype.ts';
import type { Tensor } from './tensor.ts';

export type AttrValue = number | string | number[] | string[] | Tensor;

export interface OpNode {
  op: string;
  /** Unique within the graph; errors and gradients name nodes by it. */
  name: string;
  /** Value names; '' marks an omitted optional input, as in ONNX. */
  inputs: string[];
  outputs: string[];
  attrs: Record<string, AttrValue>;
}

/** Every value in a graph has a known dtype and a static shape. */
export interface ValueInfo {
  dtype: DType;
  shape: number[];
}

export interface Graph {
  name: string;
  inputs: string[];
  outputs: string[];
  nodes: OpNode[];
  /** Constant tensors. Trained weights are inputs instead, so runtimes never fold them. */
  initializers: Map<string, Tensor>;
  /** Initializers that are also inputs: overridable defaults (an imported weight chosen for gradients). */
  defaults?: Set<string>;
  values: Map<string, ValueInfo>;
  opset: number;
}

export const OPSET = 17;

export function emptyGraph(name = 'graph'): Graph {
  return { name, inputs: [], outputs: [], nodes: [], initializers: new Map(), values: new Map(), opset: OPSET };
}

export function valueInfo(g: Graph, name: string): ValueInfo {
  const v = g.values.get(name);
  if (!v) throw new Error(`graph "${g.name}" has no value named "${name}"`);
  return v;
}

/**
 * Feeds completed with the stored values of default-valued inputs that were not fed.
 * onnxruntime's JS bindings neither list nor accept feeds for initializers that are also
 * inputs, so the engine writes such inputs without their value and feeds it instead.
 */
export function withDefaults(g: Graph, feeds: Record<string, Tensor>): Record<string, Tensor> {
  if (!g.defaults?.size) return feeds;
  const out = { ...feeds };
  for (const name of g.defaults) if (!(name in out)) out[name] = g.initializers.get(name)!;
  return out;
}

export const fmtShape = (s: readonly number[]) => `[${s.join(', ')}]`;
