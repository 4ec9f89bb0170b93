// The one table of node types. Declared once in nodes/declarations.ts (what each node is) and
// paired with run code in nodes/registry.ts (what it does); the editor's main thread reads the
// first, workers and the CLI the second, and both list the same declarations.
import type { AnyNodeDef, AnyNodeSpec } from './define-node.ts';

export interface Registry<D extends AnyNodeSpec = AnyNodeSpec> {
  get(type: string): D | undefined;
  list(): readonly D[];
}

export function createRegistry<D extends AnyNodeSpec>(defs: readonly D[]): Registry<D> {
  const byType = new Map<string, D>();
  for (const def of defs) {
    if (byType.has(def.type)) throw new Error(`node type ${def.type} is registered twice`);
    byType.set(def.type, def);
  }
  return { get: (type) => byType.get(type), list: () => [...byType.values()] };
}

/** The declarations with their run code, in the declarations' order. Every declaration needs
 * exactly one implementation, made from that same declaration (so ports and params cannot
 * drift apart): anything else is a mistake in the node list, thrown at load. */
export function implementRegistry(declarations: Registry, implementations: readonly AnyNodeDef[]): Registry<AnyNodeDef> {
  const byType = createRegistry(implementations);
  for (const impl of implementations) if (!declarations.get(impl.type)) throw new Error(`node type ${impl.type} has run code but no declaration`);
  return createRegistry(
    declarations.list().map((spec) => {
      const impl = byType.get(spec.type);
      if (!impl) throw new Error(`node type ${spec.type} is declared but has no run code`);
      if (impl.params !== spec.params || impl.inputs !== spec.inputs || impl.outputs !== spec.outputs)
        throw new Error(`node type ${spec.type}: its run code was made from another declaration`);
      return impl;
    }),
  );
}
