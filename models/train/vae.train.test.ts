// Smoke runs of the VAE trainer on a handful of images into a temporary folder: the loss is finite,
// checkpoints are written, a run stopped midway resumes to exactly the weights of an unbroken run,
// and the exported component loads back through the pack loader.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { VAE_KIND, vaeWeightShapes } from '../diffusion/vae.ts';
import { loadPack } from '../pack/load.ts';
import { loadCheckpoint } from './checkpoint.ts';
import { trainOptionsSchema } from './options.ts';
import { train } from './vae.train.ts';

const root = mkdtempSync(join(tmpdir(), 'vae-train-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const opts = (name: string, extra: Record<string, unknown> = {}) =>
  ({ ...trainOptionsSchema.parse({ checkpoints: join(root, name, 'ckpt'), out: join(root, name, 'pack'), smoke: true, steps: 4, ...extra }), log: () => {} });

describe('vae trainer (smoke)', () => {
  it('trains, checkpoints, resumes bit-identically and exports a loadable component', async () => {
    const straight = await train(opts('a'));
    expect(straight.interrupted).toBe(false);
    expect(Number.isFinite(straight.recentLoss)).toBe(true);
    const a = loadCheckpoint(join(root, 'a', 'ckpt', 'vae'));
    expect(a.state.step).toBe(4);
    const log = readFileSync(join(root, 'a', 'ckpt', 'vae', 'loss.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(log.filter((r) => r.loss !== undefined).map((r) => r.step)).toEqual([1, 2, 3, 4]);
    expect(log.some((r) => r.checkpoint && Number.isFinite(r.heldOutPsnr))).toBe(true);

    // Stop after step 2 (the loop checks the signal before each step), then resume.
    const stop = new AbortController();
    const first = await train({ ...opts('b'), signal: stop.signal, log: (l) => l.includes('step 2/4') && stop.abort() });
    expect(first).toMatchObject({ interrupted: true, step: 2 });
    expect(existsSync(join(root, 'b', 'pack', 'manifest.json'))).toBe(false); // nothing exported midway
    const resumed = await train(opts('b', { resume: true }));
    expect(resumed).toMatchObject({ interrupted: false, step: 4 });
    const b = loadCheckpoint(join(root, 'b', 'ckpt', 'vae'));
    for (const [k, t] of Object.entries(a.params)) expect(Buffer.from((b.params[k].data as Float32Array).buffer).equals(Buffer.from((t.data as Float32Array).buffer)), k).toBe(true);
    for (const [k, t] of Object.entries(a.optimizer)) expect(Buffer.from(b.optimizer[k].data.buffer).equals(Buffer.from(t.data.buffer)), k).toBe(true);

    // A resume with other settings is refused rather than silently mixing runs.
    await expect(train(opts('b', { resume: true, batch: 3 }))).rejects.toThrow(/other settings/);

    const files = (f: string) => new Uint8Array(readFileSync(join(root, 'a', 'pack', f)));
    const pack = await loadPack(async (f) => files(f), { architectures: { [VAE_KIND]: vaeWeightShapes } });
    expect(pack.manifest.components.vae!.recipe!.steps).toBe(4);
    expect(pack.manifest.latent.scalingFactor).toBeGreaterThan(0);
    expect(pack.manifest.latent).toMatchObject({ channels: 4, height: 16, width: 16 });
  }, 400_000);
});
