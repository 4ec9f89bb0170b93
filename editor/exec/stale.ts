// Whether what a node shows is still true of the graph. A result or a status belongs to the
// cache key its node had when it was made; once the key differs (an edit of the node or of
// anything upstream), it is stale. Layout takes no part here: Save Image re-runs when a node is
// moved (it embeds the document), but its pictures are no less true for it.
import { cacheKeys, indexGraph, type GraphDoc, type Registry } from '../../runtime/index.ts';

const memo = new WeakMap<GraphDoc, Map<string, string | null>>();

/** Each node's cache key, with the layout left out; one computation per document. */
export function contentKeys(doc: GraphDoc, registry: Registry): Map<string, string | null> {
  let keys = memo.get(doc);
  if (!keys) {
    const content = { ...doc, nodes: doc.nodes.map((n) => ({ ...n, position: { x: 0, y: 0 } })), groups: undefined } as GraphDoc;
    keys = cacheKeys(content, indexGraph(content), registry);
    memo.set(doc, keys);
  }
  return keys;
}

/** True when a thing recorded under `recorded` no longer describes the node. */
export const isStale = (recorded: string | undefined, current: string | null | undefined) => recorded !== undefined && recorded !== current;
