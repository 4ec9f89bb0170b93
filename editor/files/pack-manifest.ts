// A model pack's manifest as the editor reads it: fetched once per page, and only the parts the
// editor shows (its resolution, its published numbers). A user's pack is untrusted, so what is
// read is checked; a pack that cannot be read gives undefined, never an error.
import { z } from 'zod';

const ResolutionSchema = z.object({ width: z.number().int().min(1).max(4096), height: z.number().int().min(1).max(4096) });

const manifests = new Map<string, Promise<unknown>>();

export function manifestOf(pack: string, fetchJson = (url: string) => fetch(url).then((r) => (r.ok ? r.json() : undefined))): Promise<unknown> {
  let m = manifests.get(pack);
  if (!m) manifests.set(pack, (m = fetchJson(`${pack.replace(/\/$/, '')}/manifest.json`).catch(() => undefined)));
  return m;
}

/** The picture size a pack works at, if its manifest says. */
export async function packResolution(pack: string, fetchJson?: (url: string) => Promise<unknown>): Promise<{ width: number; height: number } | undefined> {
  const r = ResolutionSchema.safeParse((await manifestOf(pack, fetchJson) as { resolution?: unknown } | undefined)?.resolution);
  return r.success ? { width: r.data.width, height: r.data.height } : undefined;
}
