// The one table of node types. Built once in nodes/registry.ts; runtime, workers, CLI and the
// editor all read that same table.
import type { AnyNodeDef } from './define-node.ts';

export interface Registry {
  get(type: string): AnyNodeDef | undefined;
  list(): readonly AnyNodeDef[];
}

export function createRegistry(defs: readonly AnyNodeDef[]): Registry {
  const byType = new Map<string, AnyNodeDef>();
  for (const def of defs) {
    if (byType.has(def.type)) throw new Error(`node type ${def.type} is registered twice`);
    byType.set(def.type, def);
  }
  return { get: (type) => byType.get(type), list: () => [...byType.values()] };
}
