// The runtime's validation of the current document, computed once per document and shared by
// every node and form that shows a problem.
import { validateGraph, type GraphDoc, type Registry, type ValidationError } from '../../runtime/index.ts';

const cache = new WeakMap<GraphDoc, Map<string, ValidationError[]>>();

export function problemsByNode(doc: GraphDoc, registry: Registry): Map<string, ValidationError[]> {
  let m = cache.get(doc);
  if (!m) {
    m = new Map();
    for (const e of validateGraph(doc, registry)) {
      if (!e.nodeId) continue;
      m.set(e.nodeId, [...(m.get(e.nodeId) ?? []), e]);
    }
    cache.set(doc, m);
  }
  return m;
}

/** A node's problems as one string (`field\tmessage` lines): a primitive, so a component that
 * selects it re-renders only when its own problems change. */
export const problemKey = (doc: GraphDoc, registry: Registry, nodeId: string) =>
  (problemsByNode(doc, registry).get(nodeId) ?? []).map((e) => `${e.field ?? ''}\t${e.message}`).join('\n');

export const parseProblemKey = (key: string) =>
  key ? key.split('\n').map((line) => ({ field: line.split('\t')[0], message: line.split('\t').slice(1).join('\t') })) : [];
