// Orders a decoded model's nodes so that every value is defined before it is used.
// Files are usually sorted already, but a hand-edited or merged file may not be.
import type { RawNode } from './serialize.ts';

/**
 * Returns the nodes with producers before consumers. Throws when a node uses a value nothing
 * defines, a value is defined twice, or the nodes form a cycle.
 */
export function topoSort(nodes: readonly RawNode[], defined: ReadonlySet<string>): RawNode[] {
  const producer = new Map<string, number>();
  nodes.forEach((n, i) =>
    n.outputs.forEach((o) => {
      if (!o) return;
      if (defined.has(o)) throw new Error(`node "${n.name}" (${n.op}) redefines "${o}", which is a graph input or initializer`);
      const prev = producer.get(o);
      if (prev !== undefined) throw new Error(`value "${o}" is produced by both node "${nodes[prev].name}" and node "${n.name}"`);
      producer.set(o, i);
    }),
  );

  const missing: string[] = [];
  const pending = new Array<number>(nodes.length).fill(0);
  const consumers: number[][] = nodes.map(() => []);
  let sorted = true;
  nodes.forEach((n, i) =>
    dependencies(n).forEach((name) => {
      if (!name || defined.has(name)) return;
      const p = producer.get(name);
      if (p === undefined) missing.push(`node "${n.name}" (${n.op}) uses "${name}"`);
      else {
        if (p >= i) sorted = false;
        pending[i]++;
        consumers[p].push(i);
      }
    }),
  );
  if (missing.length)
    throw new Error(`malformed model: values used but never defined (by a node, an input or an initializer):\n  ${missing.join('\n  ')}`);

  // Sorted files (the usual case) keep their order.
  if (sorted) return [...nodes];

  // Kahn's algorithm: linear in the model's size, so a big file sorts quickly.
  const queue = nodes.map((_, i) => i).filter((i) => pending[i] === 0);
  const order: RawNode[] = [];
  for (let q = 0; q < queue.length; q++) {
    const i = queue[q];
    order.push(nodes[i]);
    for (const c of consumers[i]) if (--pending[c] === 0) queue.push(c);
  }
  if (order.length < nodes.length) {
    const stuck = nodes.filter((_, i) => pending[i] > 0).map((n) => `"${n.name}" (${n.op})`);
    throw new Error(`malformed model: nodes form a cycle (or depend on one): ${stuck.slice(0, 20).join(', ')}${stuck.length > 20 ? ', ...' : ''}`);
  }
  return order;
}

/** A node's inputs and, for a node with subgraphs (If, Loop, Scan), the outer values they read. */
export function dependencies(n: RawNode): string[] {
  if (!n.graphs) return n.inputs;
  const outer = new Set<string>();
  const visit = (nodes: readonly RawNode[], local: Set<string>) => {
    for (const m of nodes) {
      for (const d of dependencies(m)) if (d && !local.has(d)) outer.add(d);
      for (const o of m.outputs) local.add(o);
    }
  };
  for (const g of Object.values(n.graphs)) visit(g.nodes, new Set([...g.inputs, ...g.initializers.keys()]));
  return [...n.inputs, ...outer];
}
