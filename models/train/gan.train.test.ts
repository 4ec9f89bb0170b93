// A smoke run of the GAN trainer on a handful of images into a temporary folder: losses are
// finite and logged, a checkpoint and a sample sheet are written, and a run stopped midway resumes to exactly the
// weights of an unbroken run.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadCheckpoint } from './checkpoint.ts';
import { decode } from 'fast-png';
import { SAMPLES_SHEET, train } from './gan.train.ts';
import { trainOptionsSchema } from './options.ts';

const root = mkdtempSync(join(tmpdir(), 'gan-train-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const opts = (name: string, extra: Record<string, unknown> = {}) =>
  ({ ...trainOptionsSchema.parse({ checkpoints: join(root, name), out: join(root, name, 'pack'), smoke: true, steps: 3, ...extra }), log: () => {} });

describe('gan trainer (smoke)', () => {
  it('trains, logs, checkpoints and resumes bit-identically', async () => {
    const straight = await train(opts('a'));
    expect(straight.interrupted).toBe(false);
    const log = readFileSync(join(root, 'a', 'gan', 'loss.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(log.map((r) => r.step)).toEqual([1, 2, 3]);
    for (const r of log) expect(Number.isFinite(r.dLoss) && Number.isFinite(r.gLoss)).toBe(true);
    expect(log[0].r1).toBeGreaterThan(0);
    // The fixed-seed sheet to watch it learn: 4 sub-categories × 8 seeds.
    const sheet = decode(new Uint8Array(readFileSync(join(root, 'a', 'gan', SAMPLES_SHEET))));
    expect(sheet.width).toBeGreaterThan(8 * 64);
    expect(sheet.height).toBeGreaterThan(4 * 64);

    const stop = new AbortController();
    const first = await train({ ...opts('b'), log: (l) => l.includes('step 1/') && stop.abort(), signal: stop.signal });
    expect(first.interrupted).toBe(true);
    const resumed = await train(opts('b', { resume: true }));
    expect(resumed.step).toBe(3);
    const [a, b] = [loadCheckpoint(join(root, 'a', 'gan')), loadCheckpoint(join(root, 'b', 'gan'))];
    for (const name of Object.keys(a.params)) expect(b.params[name].data, name).toEqual(a.params[name].data);
    expect(b.optimizer['ema/g.mapping.w_avg'].data).toEqual(a.optimizer['ema/g.mapping.w_avg'].data);
  }, 180_000);
});
