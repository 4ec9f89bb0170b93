import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { doc, testCatalog } from '../document/testing.ts';
import { loadCredits, packPaths } from './model-credits.ts';

// The app's public folder stands in for the web server.
const fromPublic = async (url: string) => JSON.parse(await readFile(new URL(`../../public/${url}`, import.meta.url), 'utf8'));

describe('model pack credits', () => {
  it('finds packs named by the registry and by the graph', () => {
    const paths = packPaths(testCatalog, doc([['m', 'text-prompt', { pack: 'models/mine' }]]));
    expect(paths).toContain('models/mine');
  });

  it('reads the licence of every pack that has a manifest and skips the rest', async () => {
    const paths = packPaths(testCatalog);
    const credits = await loadCredits([...paths, 'models/missing'], (u) => fromPublic(u).catch(() => undefined));
    expect(credits.map((c) => c.path)).toEqual(paths.filter((p) => p !== 'models/missing'));
    for (const c of credits) expect(c.license.attribution.length).toBeGreaterThan(10);
  });
});
