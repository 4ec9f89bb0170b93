// Numbered migrations: migration N upgrades a version-N document to version N+1. Each works on
// plain JSON (the old shape has no schema of its own any more) and must not throw on odd input;
// the current schema checks the result.

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

export const MIGRATIONS: Record<number, (doc: Json) => Json> = {
  // v1 kept params in React Flow's free-form `data` bag; v2 names them `params` so `data` stays
  // free for the editor's own use.
  1: (doc) => ({
    ...doc,
    version: 2,
    nodes: Array.isArray(doc.nodes)
      ? doc.nodes.map((n) => {
          if (!isObject(n) || !isObject(n.data)) return n;
          const { params, ...rest } = n.data;
          return { ...n, params: isObject(params) ? params : {}, data: Object.keys(rest).length ? rest : undefined };
        })
      : doc.nodes,
  }),
};

/** Upgrade a document of any known version to the current one. */
export function migrate(doc: Json, from: number, to: number): Json {
  let out = doc;
  for (let v = from; v < to; v++) {
    const step = MIGRATIONS[v];
    if (!step) throw new Error(`no migration from version ${v}`);
    out = step(out);
  }
  return out;
}
