// The AR transformer's trainer end to end (`--smoke`: a tiny transformer behind the diffusion
// pack's real text encoder, on synthetic token grids) into a temporary folder: the loss falls, the
// loss log and checkpoints are written, and a run stopped midway resumes to exactly the weights and
// optimizer state of an unbroken run.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { i64 } from '../../ml/index.ts';
import { train, trainAr } from './ar.train.ts';
import { loadCheckpoint } from './checkpoint.ts';
import { trainOptionsSchema } from './options.ts';

const root = mkdtempSync(join(tmpdir(), 'ar-train-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const opts = (name: string, extra: Record<string, unknown> = {}) => ({
  ...trainOptionsSchema.parse({ checkpoints: join(root, name), out: join(root, name, 'pack'), smoke: true, ...extra }),
  log: () => {},
});
type Row = { step: number; loss?: number; probeLoss?: number };
const rows = (name: string): Row[] => readFileSync(join(root, name, 'ar', 'loss.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Row);

describe('AR transformer training (smoke)', () => {
  it('lowers the loss, logs every step and checkpoints', async () => {
    const r = await train(opts('smoke'));
    expect(r.interrupted).toBe(false);
    expect(r.step).toBe(r.totalSteps);
    const log = rows('smoke');
    const losses = log.filter((l) => l.loss !== undefined);
    expect(losses.map((l) => l.step)).toEqual(Array.from({ length: r.totalSteps }, (_, i) => i + 1));
    const mean = (xs: Row[]) => xs.reduce((s, l) => s + l.loss!, 0) / xs.length;
    expect(mean(losses.slice(-5))).toBeLessThan(0.8 * mean(losses.slice(0, 5)));
    const probes = log.filter((l) => l.probeLoss !== undefined).map((l) => l.probeLoss!);
    expect(probes.length).toBeGreaterThanOrEqual(2);
    expect(probes.at(-1)!).toBeLessThan(probes[0]);
    const ckpt = loadCheckpoint(join(root, 'smoke', 'ar'));
    expect(ckpt.state.step).toBe(r.totalSteps);
    // The EMA of every transformer weight rides in the optimizer state; the frozen text encoder has none.
    expect(Object.keys(ckpt.optimizer).some((k) => k === 'ema/ar.head.weight')).toBe(true);
    expect(Object.keys(ckpt.optimizer).some((k) => k.startsWith('ema/text.'))).toBe(false);
  }, 120_000);

  it('resumes an interrupted run to exactly the unbroken run', async () => {
    await train(opts('a', { steps: 6 }));
    const stop = new AbortController();
    const first = await train({ ...opts('b', { steps: 6 }), log: (l) => l.includes('step 3/') && stop.abort(), signal: stop.signal });
    expect(first).toMatchObject({ interrupted: true, step: 3 });
    const resumed = await train(opts('b', { steps: 6, resume: true }));
    expect(resumed).toMatchObject({ interrupted: false, step: 6 });
    const [a, b] = [loadCheckpoint(join(root, 'a', 'ar')), loadCheckpoint(join(root, 'b', 'ar'))];
    expect(Object.keys(b.params).sort()).toEqual(Object.keys(a.params).sort());
    for (const n of Object.keys(a.params)) expect(b.params[n].data, n).toEqual(a.params[n].data);
    for (const n of Object.keys(a.optimizer)) expect(b.optimizer[n].data, n).toEqual(a.optimizer[n].data);
    expect(rows('b').filter((l) => l.loss !== undefined).map((l) => l.loss)).toEqual(rows('a').filter((l) => l.loss !== undefined).map((l) => l.loss));
    // Other settings: refused, naming what changed.
    await expect(train(opts('b', { steps: 6, resume: true, batch: 4 }))).rejects.toThrow(/batch: 8 → 4/);
  }, 120_000);

  it('says why a real run cannot start without an image tokenizer, and names a token source that gives what the model cannot read', async () => {
    await expect(train(opts('real', { smoke: false }))).rejects.toThrow(/no image tokenizer to turn the emoji into token grids: .*run npm run train -- ar-tokenizer first/);
    const source = { count: 4, codebookSize: 16, gridSize: 2, key: 'bad', description: 'bad' };
    // A code one past a 16-code codebook, and caption ids two wide.
    const tokens = i64([8, 4], new Array(32).fill(16));
    await expect(trainAr(opts('bad'), () => ({ ...source, batch: async () => ({ tokens, ids: i64([8, 20]) }) }))).rejects.toThrow(/token grids holding 16, outside 0 … 15/);
    await expect(trainAr(opts('bad'), () => ({ ...source, batch: async () => ({ tokens: i64([8, 4]), ids: i64([8, 2]) }) }))).rejects.toThrow(/caption ids of int64 \[8,2\], not int64 \[8,20\]/);
  });
});
