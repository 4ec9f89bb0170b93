// Credits of the model packs the app can use, read from each pack's manifest at run time. The
// packs are named by the registry's metadata (the default of every `pack` param) and by the
// open graph, so a pack added later is credited with no change here. Only the licence part of
// a manifest is read, and it is checked, since a user's own pack is untrusted input.
import { z } from 'zod';
import type { GraphDoc } from '../../runtime/index.ts';
import type { NodeCatalog } from '../catalog/node-catalog.ts';

const CreditSchema = z.object({
  name: z.string().max(200),
  description: z.string().max(2000).optional(),
  license: z.object({
    weights: z.string().max(200),
    data: z.array(z.object({ name: z.string().max(200), author: z.string().max(500).optional(), license: z.string().max(200), url: z.string().max(2000).optional() })).max(50),
    attribution: z.string().max(5000),
  }),
});

export type PackCredit = z.infer<typeof CreditSchema> & { path: string };

/** Pack paths: defaults of `pack` params in the registry, and `pack` params in the graph. */
export function packPaths(catalog: NodeCatalog, doc?: GraphDoc): string[] {
  const paths = new Set<string>();
  for (const info of catalog.list) if (typeof info.defaults.pack === 'string') paths.add(info.defaults.pack);
  for (const n of doc?.nodes ?? []) if (typeof n.params.pack === 'string' && !/^[a-z]+:/i.test(n.params.pack)) paths.add(n.params.pack);
  return [...paths];
}

export async function loadCredits(paths: readonly string[], fetchJson = (url: string) => fetch(url).then((r) => (r.ok ? r.json() : undefined))): Promise<PackCredit[]> {
  const credits = await Promise.all(
    paths.map(async (path) => {
      const json = await fetchJson(`${path.replace(/\/$/, '')}/manifest.json`).catch(() => undefined);
      const r = CreditSchema.safeParse(json);
      return r.success ? { ...r.data, path } : undefined;
    }),
  );
  return credits.filter((c): c is PackCredit => c !== undefined);
}
