// Recording an ONNX Model node's ports: the file's inputs and outputs, read by the node's
// `describe` in a worker, written into its `ports` param. A node that had no ports recorded (a
// graph saved before) has its wires moved off the fixed ports onto the file's own, in the same
// step, so undo brings back the node and its wires as they were.
import type { GraphDoc } from '../../runtime/index.ts';
import { legacyHandleMoves, OnnxPortListSchema, type OnnxPortList } from '../../nodes/personalize/onnx-ports.ts';
import type { Recipe } from './edits.ts';
import { edgeId } from './ids.ts';

/** The node type whose ports come from its file. */
export const ONNX_MODEL = 'onnx-model';

/** A describe's answer as a port list, or an error that says what it was instead. */
export function asPortList(value: unknown): OnnxPortList {
  const r = OnnxPortListSchema.safeParse(value);
  if (!r.success) throw new Error(`the model file's ports could not be read: ${r.error.issues[0]?.message ?? 'not a port list'}`);
  return r.data;
}

export const recordPorts =
  (nodeId: string, list: OnnxPortList): Recipe =>
  (d) => {
    const n = d.nodes.find((x) => x.id === nodeId);
    if (!n || n.type !== ONNX_MODEL) return;
    const had = n.params.ports !== undefined;
    // A list the same as the recorded one changes nothing (no undo step).
    if (!had || JSON.stringify(n.params.ports) !== JSON.stringify(list)) n.params.ports = structuredClone(list) as GraphDoc['nodes'][number]['params'][string];
    if (had) return;
    const chosen = { input: typeof n.params.input === 'string' ? n.params.input : '', output: typeof n.params.output === 'string' ? n.params.output : '' };
    const moves = legacyHandleMoves(nodeId, list, chosen, d.edges);
    const ids = new Set(d.edges.map((e) => e.id));
    for (const e of d.edges) {
      const m = moves.get(e.id);
      if (!m) continue;
      const wasDerived = e.id === edgeId(e.source, e.sourceHandle, e.target, e.targetHandle);
      if (m.sourceHandle) e.sourceHandle = m.sourceHandle;
      if (m.targetHandle) e.targetHandle = m.targetHandle;
      // An id made from the handles follows them, unless another wire already has the new one.
      const next = edgeId(e.source, e.sourceHandle, e.target, e.targetHandle);
      if (wasDerived && !ids.has(next)) {
        ids.delete(e.id);
        ids.add(next);
        e.id = next;
      }
    }
    // Two old wires may now be the same wire (e.g. `images` and `tensor` out into one list input).
    const seen = new Set<string>();
    d.edges = d.edges.filter((e) => {
      if (e.source !== nodeId && e.target !== nodeId) return true;
      const k = `${e.source}.${e.sourceHandle}->${e.target}.${e.targetHandle}`;
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    });
  };
