// The GAN pack the app ships (public/models/emoji-gan/): it loads with every check, holds a
// generator, an encoder for that generator and the evaluator, stays within its 15 MB, keeps the
// diffusion pack's held-out concepts, and records its measured quality.
import { readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fileFetchBytes, readDiffusionManifest } from '../pack/write.ts';
import { loadGanPack } from './pack.ts';

const root = resolve(import.meta.dirname, '..', '..', 'public', 'models');
const dir = join(root, 'emoji-gan');

describe('the shipped GAN pack', () => {
  it('loads with its generator, encoder and evaluator, within 15 MB, with its quality recorded', async () => {
    const pack = await loadGanPack(fileFetchBytes(dir));
    expect(Object.keys(pack.manifest.components).sort()).toEqual(['encoder', 'evaluator', 'generator']);
    expect(pack.encoder).toBeDefined();
    expect(pack.classes.length).toBe(pack.config.classes);
    const bytes = readdirSync(dir).reduce((s, f) => s + statSync(join(dir, f)).size, 0);
    expect(bytes).toBeLessThanOrEqual(15e6);
    expect(pack.manifest.dataset.heldOutConcepts).toEqual(readDiffusionManifest(join(root, 'emoji-diffusion'))!.dataset.heldOutConcepts);
    const m = pack.manifest.components.generator.metrics ?? {};
    expect(Object.keys(m).length, 'npm run eval:models -- gan --record').toBeGreaterThan(0);
    for (const v of Object.values(m)) expect(Number.isFinite(v)).toBe(true);
  });
});
