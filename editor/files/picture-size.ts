// The size pictures should load at to fit the model they feed: the resolution of the pack the
// graph uses (a node with a `pack` param), else of the pack the node types default to, else the
// size other loaders in the graph use. Read from params and declarations, never a node's name.
import type { GraphDoc } from '../../runtime/index.ts';
import type { NodeCatalog } from '../catalog/node-catalog.ts';
import { packResolution } from './pack-manifest.ts';

type Size = { width: number; height: number };

/** Packs named in the graph first, then the packs node types default to. */
export function packsOf(doc: GraphDoc, catalog: NodeCatalog): string[] {
  const inGraph = doc.nodes.map((n) => n.params.pack ?? catalog.get(n.type)?.defaults.pack);
  const defaults = catalog.list.map((n) => n.defaults.pack);
  return [...new Set([...inGraph, ...defaults].filter((p): p is string => typeof p === 'string'))];
}

export async function pictureSizeFor(doc: GraphDoc, catalog: NodeCatalog, resolve = packResolution): Promise<Size | undefined> {
  for (const pack of packsOf(doc, catalog)) {
    const r = await resolve(pack);
    if (r) return r;
  }
  const other = doc.nodes.find((n) => typeof n.params.width === 'number' && typeof n.params.height === 'number' && catalog.get(n.type)?.outputs && !Object.keys(catalog.get(n.type)!.inputs).length);
  return other ? { width: other.params.width as number, height: other.params.height as number } : undefined;
}
