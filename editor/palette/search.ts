// Fuzzy search over the node types (title, type, category, description, framework tags),
// optionally narrowed to the types that can take a wire of a given kind.
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

const tagsOf = (n: NodeInfo) => Object.values(n.framework ?? {}).filter((v): v is string => typeof v === 'string');

export function createNodeSearch(catalog: NodeCatalog) {
  const fuse = new Fuse(
    catalog.list.map((info) => ({ info, title: info.title, type: info.type, category: info.category, description: info.description ?? '', tags: tagsOf(info) })),
    {
      keys: [
        { name: 'title', weight: 3 },
        { name: 'type', weight: 2 },
        { name: 'category', weight: 1 },
        { name: 'tags', weight: 1 },
        { name: 'description', weight: 0.5 },
      ],
      threshold: 0.4,
      ignoreLocation: true,
    },
  );
  return (query: string, filter?: WireFilter): SearchHit[] => {
    const fits = filter && portsAccepting(catalog, filter.kind, filter.side);
    const found = query.trim() ? fuse.search(query.trim()).map((r) => r.item.info) : [...catalog.list];
    return found.filter((info) => !fits || fits.has(info.type)).map((info) => ({ info, port: fits?.get(info.type) }));
  };
}
