// Search over the node types, optionally narrowed to the types that can take a wire of a given
// kind. Words first: every word typed must begin a word of the title, type, category, framework
// tags or description ("model" finds Model Loader, not Blend's "mode"), titles ranking highest.
// Only when no node has the words does a fuzzy match on titles and types forgive a typo ("blnd").
import Fuse from 'fuse.js';
import type { NodeInfo } from '../../runtime/index.ts';
import type { NodeCatalog } from '../catalog/node-catalog.ts';
import { portsAccepting } from '../document/connect-rules.ts';

export interface WireFilter {
  kind: string;
  /** The side of the new node the wire will end on. */
  side: 'input' | 'output';
}

export interface SearchHit {
  info: NodeInfo;
  /** The port the pending wire would attach to, when searching with a wire filter. */
  port?: string;
}

const wordsOf = (s: string) => s.toLowerCase().split(/[^\p{L}\p{N}+]+/u).filter(Boolean);
const tagsOf = (n: NodeInfo) => Object.values(n.framework ?? {}).filter((v): v is string => typeof v === 'string');

/** Where a word may be found, and what a hit there is worth. */
const FIELDS: [weight: number, text: (n: NodeInfo) => string][] = [
  [8, (n) => n.title],
  [4, (n) => n.type],
  [2, (n) => n.category],
  [2, (n) => tagsOf(n).join(' ')],
  [1, (n) => n.description ?? ''],
];

export function createNodeSearch(catalog: NodeCatalog) {
  const indexed = catalog.list.map((info) => ({ info, fields: FIELDS.map(([w, text]) => [w, wordsOf(text(info))] as const) }));
  const fuzzy = new Fuse(
    catalog.list.map((info) => ({ info, title: info.title, type: info.type })),
    { keys: [{ name: 'title', weight: 3 }, { name: 'type', weight: 2 }], threshold: 0.4, ignoreLocation: true },
  );
  const byWords = (query: string[]) =>
    indexed
      .map(({ info, fields }, order) => {
        let score = 0;
        for (const q of query) {
          const best = Math.max(0, ...fields.filter(([, ws]) => ws.some((w) => w.startsWith(q))).map(([weight]) => weight));
          if (!best) return undefined;
          score += best;
        }
        return { info, score, order };
      })
      .filter((h) => h !== undefined)
      .sort((a, b) => b.score - a.score || a.order - b.order)
      .map((h) => h.info);

  return (query: string, filter?: WireFilter): SearchHit[] => {
    const fits = filter && portsAccepting(catalog, filter.kind, filter.side);
    const q = wordsOf(query);
    let found = q.length ? byWords(q) : [...catalog.list];
    if (!found.length) found = fuzzy.search(query.trim()).map((r) => r.item.info);
    return found.filter((info) => !fits || fits.has(info.type)).map((info) => ({ info, port: fits?.get(info.type) }));
  };
}
