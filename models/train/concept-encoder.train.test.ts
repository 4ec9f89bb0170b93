// Smoke test of the concept encoder's training (`--smoke`: against a tiny random pack of its own,
// on synthetic latents) into a temporary folder: it runs, checkpoints, and exports a component that
// loads back with the pack's tensor specs.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadPack } from '../pack/load.ts';
import { fileFetchBytes } from '../pack/write.ts';
import { PACK_ARCHITECTURES } from '../personalize/architectures.ts';
import { train } from './concept-encoder.train.ts';
import { trainOptionsSchema } from './options.ts';

const dir = mkdtempSync(join(tmpdir(), 'concept-train-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('concept encoder training (smoke)', () => {
  it('trains only the encoder and exports it into the pack', async () => {
    const opts = trainOptionsSchema.parse({ smoke: true, checkpoints: join(dir, 'ckpt'), out: join(dir, 'unused') });
    const r = await train({ ...opts, log: () => {} });
    expect(r.interrupted).toBe(false);
    expect(r.exported?.weights).toBe('concept-encoder.safetensors');
    expect(Number.isFinite(r.recentLoss)).toBe(true);
    const pack = await loadPack(fileFetchBytes(join(dir, 'ckpt', 'concept-encoder-smoke-pack')), { architectures: PACK_ARCHITECTURES, components: ['conceptEncoder'] });
    expect(Object.keys(pack.weights.conceptEncoder!).every((k) => k.startsWith('concept.encoder.'))).toBe(true);
  });
});
