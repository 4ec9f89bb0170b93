// The model pack a node works with: the `pack` param of the node wired into its model input.
// Read from the graph and the declarations alone (any node that outputs a model and has a `pack`
// param), so a new loader needs no change here. Pure.
import type { GraphDoc } from '../../runtime/index.ts';
import type { NodeCatalog } from '../catalog/node-catalog.ts';

export function packOf(doc: GraphDoc, catalog: NodeCatalog, nodeId: string): string | undefined {
  const node = doc.nodes.find((n) => n.id === nodeId);
  const info = node && catalog.get(node.type);
  if (!info) return undefined;
  for (const [port, p] of Object.entries(info.inputs)) {
    if (p.kind !== 'model') continue;
    const wire = doc.edges.find((e) => e.target === nodeId && e.targetHandle === port);
    const source = wire && doc.nodes.find((n) => n.id === wire.source);
    const pack = source && (source.params.pack ?? catalog.get(source.type)?.defaults.pack);
    if (typeof pack === 'string') return pack;
  }
  return undefined;
}

/** The nodes upstream of `nodeId` that take no input and make pictures (the references). */
export function sourcesOf(doc: GraphDoc, catalog: NodeCatalog, nodeId: string): string[] {
  const seen = new Set<string>();
  const stack = [nodeId];
  while (stack.length) {
    const id = stack.pop()!;
    for (const e of doc.edges) if (e.target === id && !seen.has(e.source)) (seen.add(e.source), stack.push(e.source));
  }
  return doc.nodes
    .filter((n) => seen.has(n.id))
    .filter((n) => {
      const info = catalog.get(n.type);
      return info && !Object.keys(info.inputs).length && Object.values(info.outputs).some((p) => p.kind === 'image');
    })
    .map((n) => n.id);
}
