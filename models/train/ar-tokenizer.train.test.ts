// Smoke runs of the AR tokenizer's trainer (a tiny network on a dozen real emoji latents from the
// diffusion pack's VAE) into a temporary folder: the latents are cached, losses and the checkpoint
// measurements (held-out MSE, code usage, perplexity) are logged, a run stopped midway resumes to
// exactly the weights of an unbroken one, and --quantizer vq trains in its own run folder.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { train } from './ar-tokenizer.train.ts';
import { loadCheckpoint } from './checkpoint.ts';
import { trainOptionsSchema } from './options.ts';

const root = mkdtempSync(join(tmpdir(), 'ar-tokenizer-train-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const opts = (name: string, extra: Record<string, unknown> = {}) => ({
  ...trainOptionsSchema.parse({ checkpoints: join(root, name), out: join(root, 'pack'), smoke: true, ...extra }),
  log: () => {},
});
type Row = { step: number; loss?: number; checkpoint?: boolean; heldOutMse?: number; usage?: number; perplexity?: number };
const rows = (dir: string): Row[] =>
  readFileSync(join(dir, 'loss.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Row);

describe('AR tokenizer trainer (smoke)', () => {
  it('trains on cached latents, logs reconstruction and code usage, and resumes bit-identically', async () => {
    const straight = await train(opts('a'));
    expect(straight).toMatchObject({ interrupted: false, step: 8, totalSteps: 8 });
    const dir = join(root, 'a', 'ar-tokenizer');
    expect(existsSync(join(dir, 'latents', 'train.safetensors'))).toBe(true);
    expect(existsSync(join(dir, 'latents', 'holdout.safetensors'))).toBe(true);
    const log = rows(dir);
    expect(log.filter((r) => r.loss !== undefined).map((r) => r.step)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    const checks = log.filter((r) => r.checkpoint);
    expect(checks.map((r) => r.step)).toEqual([4, 8]);
    for (const r of checks) {
      expect(r.heldOutMse).toBeGreaterThan(0);
      expect(r.usage).toBeGreaterThan(0);
      expect(r.usage).toBeLessThanOrEqual(1);
      expect(r.perplexity).toBeGreaterThanOrEqual(1);
    }
    const a = loadCheckpoint(dir);

    // The same folder again from scratch (its latents are reused), stopped after step 3 and resumed.
    const stop = new AbortController();
    const lines: string[] = [];
    const first = await train({ ...opts('a'), signal: stop.signal, log: (l) => (lines.push(l), l.includes('step 3/8') && stop.abort()) });
    expect(first).toMatchObject({ interrupted: true, step: 3 });
    expect(lines.some((l) => l.startsWith('encoding'))).toBe(false);
    const resumed = await train(opts('a', { resume: true }));
    expect(resumed).toMatchObject({ interrupted: false, step: 8 });
    const b = loadCheckpoint(dir);
    for (const [k, t] of Object.entries(a.params)) expect(Buffer.from(b.params[k].data.buffer).equals(Buffer.from(t.data.buffer)), k).toBe(true);
    for (const [k, t] of Object.entries(a.optimizer)) expect(Buffer.from(b.optimizer[k].data.buffer).equals(Buffer.from(t.data.buffer)), k).toBe(true);
    expect(rows(dir).filter((r) => r.loss !== undefined).map((r) => r.loss)).toEqual(log.filter((r) => r.loss !== undefined).map((r) => r.loss));
    await expect(train(opts('a', { resume: true, batch: 3 }))).rejects.toThrow(/other settings/);
  }, 120_000);

  it('trains the VQ contrast in its own run folder, with its codebook', async () => {
    const r = await train(opts('a', { quantizer: 'vq', steps: 4 }));
    expect(r).toMatchObject({ interrupted: false, step: 4 });
    const ckpt = loadCheckpoint(join(root, 'a', 'ar-tokenizer-vq'));
    expect(ckpt.params['tok.vq.codebook'].shape).toEqual([1000, 4]);
    expect(rows(join(root, 'a', 'ar-tokenizer-vq')).some((row) => row.checkpoint && row.usage! > 0)).toBe(true);
  }, 120_000);
});
