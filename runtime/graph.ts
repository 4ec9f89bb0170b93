// Pure views of a validated document that the planner and key builder share: the edges into
// each input port (in document order, which is a list port's order) and a topological order.
import type { GraphDoc, GraphEdge } from './document/schema.ts';

export interface Wire {
  source: string;
  sourceHandle: string;
}

export interface GraphIndex {
  /** nodeId → input port → wires into it, in document order. */
  incoming: Map<string, Map<string, Wire[]>>;
  /** nodeId → ids of nodes that read any of its outputs. */
  consumers: Map<string, Set<string>>;
  /** Every node, each after all of its sources. Nodes on a cycle are left out. */
  order: string[];
}

export function indexGraph(doc: GraphDoc, edges: readonly GraphEdge[] = doc.edges): GraphIndex {
  const incoming = new Map<string, Map<string, Wire[]>>();
  const consumers = new Map<string, Set<string>>();
  for (const n of doc.nodes) {
    incoming.set(n.id, new Map());
    consumers.set(n.id, new Set());
  }
  for (const e of edges) {
    const ports = incoming.get(e.target);
    if (!ports || !consumers.has(e.source)) continue;
    const wires = ports.get(e.targetHandle) ?? [];
    wires.push({ source: e.source, sourceHandle: e.sourceHandle });
    ports.set(e.targetHandle, wires);
    consumers.get(e.source)!.add(e.target);
  }
  return { incoming, consumers, order: topoOrder(doc.nodes.map((n) => n.id), incoming, consumers) };
}

function topoOrder(ids: string[], incoming: GraphIndex['incoming'], consumers: GraphIndex['consumers']): string[] {
  const pending = new Map<string, number>();
  for (const id of ids) {
    const sources = new Set<string>();
    for (const wires of incoming.get(id)!.values()) for (const w of wires) sources.add(w.source);
    pending.set(id, sources.size);
  }
  const ready = ids.filter((id) => pending.get(id) === 0);
  const order: string[] = [];
  for (let head = 0; head < ready.length; head++) {
    const id = ready[head];
    order.push(id);
    for (const c of consumers.get(id)!) {
      const left = pending.get(c)! - 1;
      pending.set(c, left);
      if (left === 0) ready.push(c);
    }
  }
  return order;
}

/** Ids of `roots` and everything upstream of them. */
export function ancestorsOf(index: GraphIndex, roots: Iterable<string>): Set<string> {
  const seen = new Set<string>();
  const stack = [...roots];
  while (stack.length) {
    const id = stack.pop()!;
    if (seen.has(id)) continue;
    seen.add(id);
    for (const wires of index.incoming.get(id)?.values() ?? []) for (const w of wires) stack.push(w.source);
  }
  return seen;
}
