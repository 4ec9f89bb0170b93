// A smoke run of the GAN encoder trainer (a random tiny generator and evaluator, a handful of
// emoji) into a temporary folder: it logs, checkpoints with the reconstruction PSNR, exports a
// weights file that matches its architecture entry, and a run stopped midway resumes to exactly
// the weights and optimizer state of an unbroken run.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readSafetensors } from '../../ml/index.ts';
import { encoderWeightShapes } from '../gan/encoder.ts';
import { sha256Hex } from '../pack/load.ts';
import { loadCheckpoint } from './checkpoint.ts';
import { train } from './gan-encoder.train.ts';
import { trainOptionsSchema } from './options.ts';

const root = mkdtempSync(join(tmpdir(), 'gan-encoder-train-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const opts = (name: string, extra: Record<string, unknown> = {}) =>
  ({ ...trainOptionsSchema.parse({ checkpoints: join(root, name), out: join(root, name, 'pack'), smoke: true, steps: 3, ...extra }), log: () => {} });

describe('gan-encoder trainer (smoke)', () => {
  it('trains, logs, checkpoints, exports and resumes bit-identically', async () => {
    const straight = await train(opts('a'));
    expect(straight.interrupted).toBe(false);
    const log = readFileSync(join(root, 'a', 'gan-encoder', 'loss.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(log.filter((r) => !r.checkpoint).map((r) => r.step)).toEqual([1, 2, 3]);
    for (const r of log.filter((r) => !r.checkpoint)) expect(Number.isFinite(r.loss) && Number.isFinite(r.reconstruction) && Number.isFinite(r.latent)).toBe(true);
    const evals = log.filter((r) => r.checkpoint);
    expect(evals.length).toBeGreaterThan(0);
    for (const k of ['psnr_heldin_start', 'psnr_heldin_1', 'psnr_heldin_3']) expect(Number.isFinite(evals.at(-1)[k])).toBe(true);

    // The export: encoder.safetensors in the run folder (the generator did not come from a pack).
    const entry = straight.exported!;
    const bytes = new Uint8Array(readFileSync(join(root, 'a', 'gan-encoder', 'export', entry.weights)));
    expect(entry.bytes).toBe(bytes.byteLength);
    expect(entry.sha256).toBe(await sha256Hex(bytes));
    const shapes = encoderWeightShapes(entry.architecture);
    const { tensors } = readSafetensors(bytes);
    expect(Object.keys(tensors).sort()).toEqual(Object.keys(shapes).sort());
    for (const [k, s] of Object.entries(shapes)) expect(tensors[k].shape).toEqual(s);
    expect(entry.parameters).toBe(Object.values(tensors).reduce((n, t) => n + t.data.length, 0));
    expect(JSON.parse(readFileSync(join(root, 'a', 'gan-encoder', 'encoder-entry.json'), 'utf8'))).toEqual(entry);

    const stop = new AbortController();
    const first = await train({ ...opts('b'), log: (l) => l.includes('step 1/') && stop.abort(), signal: stop.signal });
    expect(first.interrupted).toBe(true);
    const resumed = await train(opts('b', { resume: true }));
    expect(resumed.step).toBe(3);
    const [a, b] = [loadCheckpoint(join(root, 'a', 'gan-encoder')), loadCheckpoint(join(root, 'b', 'gan-encoder'))];
    for (const name of Object.keys(a.params)) expect(b.params[name].data, name).toEqual(a.params[name].data);
    for (const name of Object.keys(a.optimizer)) expect(b.optimizer[name].data, name).toEqual(a.optimizer[name].data);
  }, 120_000);
});
