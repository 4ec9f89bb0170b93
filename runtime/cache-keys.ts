// Cache keys as ComfyUI proved them: a node's key hashes its type, version and params (with
// defaults filled in, so writing a default explicitly changes nothing) plus the keys of the
// outputs it reads. Node ids and positions take no part, so renaming or moving a node keeps its
// results. A key of null means "never from the cache": the node is not deterministic, or it
// reads such a node.
import type { GraphDoc } from './document/schema.ts';
import type { GraphIndex } from './graph.ts';
import { stableHash } from './hash.ts';
import type { Registry } from './registry.ts';

export type CacheKeys = Map<string, string | null>;

/** Nodes that embed the document (Save Image) re-run on any change to it, layout included,
 * so a saved file never restores an older graph than the one that made it. */
export const documentHash = (doc: GraphDoc) => stableHash(doc);

export function cacheKeys(doc: GraphDoc, index: GraphIndex, registry: Registry): CacheKeys {
  const keys: CacheKeys = new Map();
  const byId = new Map(doc.nodes.map((n) => [n.id, n]));
  let docHash: string | undefined;
  for (const id of index.order) {
    const node = byId.get(id)!;
    const def = registry.get(node.type);
    if (!def || !def.flags.deterministic) {
      keys.set(id, null);
      continue;
    }
    const inputs: Record<string, string[]> = {};
    let volatile = false;
    for (const [port, wires] of index.incoming.get(id)!) {
      inputs[port] = wires.map((w) => {
        const k = keys.get(w.source);
        if (k == null) volatile = true;
        return `${k}:${w.sourceHandle}`;
      });
    }
    if (volatile) {
      keys.set(id, null);
      continue;
    }
    if (def.flags.usesDocument) docHash ??= documentHash(doc);
    keys.set(
      id,
      stableHash({
        type: def.type,
        version: def.version,
        params: def.params.parse(node.params),
        inputs,
        document: def.flags.usesDocument ? docHash : undefined,
      }),
    );
  }
  return keys;
}
