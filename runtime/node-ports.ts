// The ports of one node in a document. Most node types have the fixed ports they declare; a few
// (an imported ONNX model) have ports that depend on their params — one per model input and
// output, recorded in the params when the file is chosen. Validation, planning, cache keys,
// execution, the CLI and the editor all read ports here, never from the declaration directly.
import type { AnyNodeSpec, PortMap } from './define-node.ts';

export interface NodePorts {
  inputs: PortMap;
  outputs: PortMap;
  /** Where dynamic ports came from (e.g. `model file "a.onnx"`), named in errors; absent for fixed ports. */
  from?: string;
}

/** A node's ports for these params: the declaration's own, or what its `dynamicPorts` hook makes of them. */
export function portsOf(def: AnyNodeSpec, params: Readonly<Record<string, unknown>> = {}): NodePorts {
  if (!def.dynamicPorts) return def;
  // Params that do not parse (reported by validation on their own) leave the fixed ports.
  const parsed = def.params.safeParse(params);
  if (!parsed.success) return def;
  return def.dynamicPorts(parsed.data as Record<string, unknown>) ?? def;
}

/** Whether a node type's ports can differ from node to node. */
export const hasDynamicPorts = (def: AnyNodeSpec) => typeof def.dynamicPorts === 'function';
