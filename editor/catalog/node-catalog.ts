// The node types as the editor sees them: plain metadata from the registry (ports, JSON Schema
// of the params, defaults, framework tags). Built once; nodes added to the registry later
// appear in the palette, the forms and the wire rules with no change here.
import { catalog, type NodeInfo, type Registry } from '../../runtime/index.ts';

export interface NodeCatalog {
  get(type: string): NodeInfo | undefined;
  list: readonly NodeInfo[];
  /** Categories in first-seen order, as the palette groups them. */
  categories: readonly string[];
}

export function buildCatalog(registry: Registry): NodeCatalog {
  const list = catalog(registry);
  const byType = new Map(list.map((n) => [n.type, n]));
  const categories = [...new Set(list.map((n) => n.category))];
  return { get: (type) => byType.get(type), list, categories };
}
