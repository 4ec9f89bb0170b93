// The AR evaluation end to end on a pack exported from smoke runs (a few training steps of the
// image tokenizer and the transformer), at a handful of samples: every number is measured and
// consistent, a plain run writes nothing, --record writes the tokenizer's numbers into its manifest
// entry and the rest into the transformer's, and the sample sheet into the docs folder. A pack
// made with other held-out concepts, or of another family, is refused.
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decode } from 'fast-png';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EMOJI_PACK_DIR, readManifest } from '../pack/write.ts';
import { train as trainTokenizer } from '../train/ar-tokenizer.train.ts';
import { train } from '../train/ar.train.ts';
import { trainOptionsSchema } from '../train/options.ts';
import { AR_SHEET } from './ar-sheet.ts';
import { evaluate, TOKENIZER_METRICS } from './ar.eval.ts';
import { availableEvals, parseEvalArgs, runEvals } from './cli.ts';

const root = mkdtempSync(join(tmpdir(), 'ar-eval-'));
const packDir = join(root, 'pack');
afterAll(() => rmSync(root, { recursive: true, force: true }));

beforeAll(async () => {
  const opts = { ...trainOptionsSchema.parse({ checkpoints: join(root, 'ckpt'), out: packDir, smoke: true, steps: 2 }), log: () => {} };
  await trainTokenizer(opts);
  // The transformer's finished run exports the pack.
  expect((await train(opts)).exported).toBeDefined();
}, 120_000);

const SAMPLES = 6;
const TIMES = ['ms_per_image_cache', 'ms_per_image_no_cache', 'cache_speedup'];

describe('ar evaluation', () => {
  it('measures the tokenizer round trip, code usage, prompt fidelity, the Fréchet distance, sampling cost and size; records only when asked', async () => {
    const manifestBefore = readFileSync(join(packDir, 'manifest.json'));
    const opts = { packDir, threads: 1, quick: true, samples: SAMPLES, record: false, log: () => {} };
    const plain = await evaluate(opts);
    expect(plain.component).toBe('transformer');
    const m = plain.metrics;
    expect(m).toMatchObject({ samples: SAMPLES, concepts: SAMPLES, held_out_images: SAMPLES, held_in_images: SAMPLES });

    // A tokenizer trained for two steps loses most of what the VAE alone keeps.
    expect(m.vae_psnr_held_out).toBeGreaterThan(m.tok_psnr_held_out);
    expect(m.vae_psnr_held_in).toBeGreaterThan(m.tok_psnr_held_in);
    for (const k of ['tok_psnr_held_out', 'tok_psnr_held_in']) expect(m[k], k).toBeGreaterThan(5);
    // Usage counts distinct codes among 6 grids of 64 tokens; perplexity lies between 1 and that count.
    const used = m.code_usage * 1000;
    expect(Math.abs(used - Math.round(used))).toBeLessThan(1e-9);
    expect(used).toBeGreaterThanOrEqual(1);
    expect(used).toBeLessThanOrEqual(SAMPLES * 64);
    expect(m.code_perplexity).toBeGreaterThanOrEqual(1);
    expect(m.code_perplexity).toBeLessThanOrEqual(used + 1e-9);

    for (const k of ['clipT_gen', 'clipT_real']) expect(Math.abs(m[k]), k).toBeLessThanOrEqual(1);
    expect(m.clipT_real).toBeGreaterThan(m.clipT_gen);
    expect(m.clipT_ratio).toBeCloseTo(m.clipT_gen / m.clipT_real, 12);
    expect(m.clipT_gen).toBeCloseTo((m.clipT_gen_twemoji + m.clipT_gen_noto) / 2, 12);
    for (const k of ['top5_gen', 'top5_real']) {
      expect(m[k], k).toBeGreaterThanOrEqual(0);
      expect(m[k], k).toBeLessThanOrEqual(1);
    }
    // An untrained model is farther from the real images than other real images are.
    expect(m.fid).toBeGreaterThan(m.fid_real_floor);
    expect(m.fid_real_floor).toBeGreaterThan(0);

    // The cache changes the cost, not the draw.
    expect(m.cache_agreement).toBe(1);
    expect(m.ms_per_image_cache).toBeGreaterThan(0);
    expect(m.ms_per_image_no_cache).toBeGreaterThan(0);
    const files = readdirSync(packDir).reduce((n, f) => n + statSync(join(packDir, f)).size, 0);
    expect(m.pack_mb).toBeCloseTo(files / 1e6, 9);
    expect(m.pack_budget_mb).toBe(25);
    expect(readFileSync(join(packDir, 'manifest.json')).equals(manifestBefore)).toBe(true);
    expect(readdirSync(packDir).filter((f) => f.startsWith(AR_SHEET.file))).toEqual([]);

    const docsDir = join(root, 'docs');
    const recorded = await evaluate({ ...opts, record: true, docsDir });
    // Same seeds, same images: the same numbers but for the timings.
    const untimed = (r: Record<string, number>) => Object.fromEntries(Object.entries(r).filter(([k]) => !TIMES.includes(k)));
    expect(untimed(recorded.metrics)).toEqual(untimed(m));
    const after = readManifest(packDir);
    if (after?.family !== 'autoregressive') throw new Error('not an AR pack');
    const { imageTokenizer, transformer } = after.components;
    expect(imageTokenizer.metrics).toMatchObject({ tok_psnr_held_out: m.tok_psnr_held_out, vae_psnr_held_out: m.vae_psnr_held_out, code_usage: m.code_usage, held_out_images: SAMPLES });
    expect(Object.keys(imageTokenizer.metrics!)).not.toContain('fid');
    expect(transformer.metrics).toMatchObject({ clipT_ratio: m.clipT_ratio, fid: m.fid, fid_real_floor: m.fid_real_floor, cache_agreement: 1, samples: SAMPLES });
    for (const k of TOKENIZER_METRICS) expect(Object.keys(transformer.metrics!), k).not.toContain(k);
    // What the training runs measured stays beside the evaluation's numbers.
    expect(transformer.metrics?.trainProbeNll).toBeGreaterThan(0);
    expect(imageTokenizer.metrics?.heldOutLatentMse).toBeGreaterThan(0);

    const png = decode(readFileSync(join(docsDir, `${AR_SHEET.file}.png`)));
    const columns = 1 + AR_SHEET.seeds;
    const rows = AR_SHEET.subcategories.length;
    expect([png.width, png.height]).toEqual([columns * 64 + (columns + 1) * 2, rows * 64 + (rows + 1) * 2]);
    const legend = readFileSync(join(docsDir, `${AR_SHEET.file}.txt`), 'utf8');
    expect(legend).toMatch(/row 1: .*, twemoji style \(face-smiling\)\nrow 2: .*, noto style \(face-affection\)/);
    expect(legend.match(/^row /gm)).toHaveLength(rows);
    expect(existsSync(join(packDir, `${AR_SHEET.file}.png`))).toBe(false);
  }, 120_000);

  it('refuses a pack made with other held-out concepts, and a pack of another family', async () => {
    const other = join(root, 'other-holdout');
    cpSync(packDir, other, { recursive: true });
    const manifest = JSON.parse(readFileSync(join(other, 'manifest.json'), 'utf8')) as { dataset: { heldOutConcepts: string[] } };
    const dropped = manifest.dataset.heldOutConcepts.shift()!.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    writeFileSync(join(other, 'manifest.json'), JSON.stringify(manifest, null, 2));
    const opts = { threads: 1, quick: true, samples: 2, record: false, log: () => {} };
    await expect(evaluate({ ...opts, packDir: other })).rejects.toThrow(new RegExp(`lists other held-out concepts than models/data/holdout.json \\(it lacks ${dropped}\\): its held-out images may have been trained on`));
    await expect(evaluate({ ...opts, packDir: EMOJI_PACK_DIR })).rejects.toThrow(/the AR evaluation needs an AR \(autoregressive\) pack; "emoji-diffusion" is a diffusion/);
  });

  it('is a target of npm run eval:models, takes --samples, and is skipped while its pack does not exist', async () => {
    expect(availableEvals()).toContain('ar');
    expect(parseEvalArgs(['ar', '--samples', '3']).opts.samples).toBe(3);
    const { results } = await runEvals(['ar', '--pack', join(root, 'no-pack')], () => {});
    expect(results).toEqual([{ name: 'ar', skipped: expect.stringMatching(/cannot read manifest\.json/) }]);
  });
});
