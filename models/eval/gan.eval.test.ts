// The GAN evaluation end to end on a smoke run's pack, at a handful of samples: every number is
// measured and in range, a plain run writes nothing, --record writes the numbers into the manifest
// and the sample sheet (rows of sub-categories, the seeds at ψ = 1 then ψ = 0.7) into the docs folder.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decode } from 'fast-png';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readManifest } from '../pack/write.ts';
import { exportGanPack } from '../train/gan-export.ts';
import { train } from '../train/gan.train.ts';
import { trainOptionsSchema } from '../train/options.ts';
import { parseEvalArgs } from './cli.ts';
import { evaluate, GAN_EVAL } from './gan.eval.ts';

const root = mkdtempSync(join(tmpdir(), 'gan-eval-'));
const packDir = join(root, 'pack');
afterAll(() => rmSync(root, { recursive: true, force: true }));

beforeAll(async () => {
  await train({ ...trainOptionsSchema.parse({ checkpoints: join(root, 'ckpt'), out: packDir, smoke: true, steps: 2, noExport: true }), log: () => {} });
  await exportGanPack({ checkpointDir: join(root, 'ckpt', 'gan'), dir: packDir, threads: 1 });
}, 120_000);

describe('gan evaluation', () => {
  it('measures the Fréchet distance, its real floor and class retrieval, and records only when asked', async () => {
    const manifestBefore = readFileSync(join(packDir, 'manifest.json'));
    const opts = { packDir, threads: 1, quick: true, samples: 6, record: false, log: () => {} };
    const plain = await evaluate(opts);
    expect(plain.component).toBe('generator');
    const m = plain.metrics;
    expect(m.samples).toBe(6);
    expect(m.fid).toBeGreaterThan(0);
    // An untrained generator is farther from the real images than other real images are.
    expect(m.fid).toBeGreaterThan(m.fid_real_floor);
    for (const k of ['class_top1_gen', 'class_top1_real', 'class_top5_gen', 'class_top5_real']) {
      expect(m[k], k).toBeGreaterThanOrEqual(0);
      expect(m[k], k).toBeLessThanOrEqual(1);
    }
    expect(readFileSync(join(packDir, 'manifest.json')).equals(manifestBefore)).toBe(true);

    const docsDir = join(root, 'docs');
    const recorded = await evaluate({ ...opts, record: true, docsDir });
    // Same seeds, same real images: the same numbers.
    expect(recorded.metrics).toEqual({ ...m, seconds_per_image: recorded.metrics.seconds_per_image });
    const after = readManifest(packDir);
    if (after?.family !== 'stylegan') throw new Error('not a GAN pack');
    expect(after.components.generator.metrics).toMatchObject({ fid: m.fid, class_top5_real: m.class_top5_real, samples: 6 });
    const png = decode(readFileSync(join(docsDir, 'gan-samples.png')));
    const columns = GAN_EVAL.sheet.seeds * GAN_EVAL.sheet.psi.length;
    expect(png.width).toBe(columns * 64 + (columns + 1) * 2);
    expect(readFileSync(join(docsDir, 'gan-samples.txt'), 'utf8')).toMatch(/row 1: face-smiling/);
    expect(existsSync(join(packDir, 'gan-samples.png'))).toBe(false);
  }, 120_000);

  it('takes --samples, and says whether --pack overrides the evaluation’s own pack', () => {
    const { opts, packGiven } = parseEvalArgs(['gan', '--samples', '200']);
    expect(opts.samples).toBe(200);
    expect(packGiven).toBe(false);
    expect(parseEvalArgs(['gan', '--pack', packDir]).packGiven).toBe(true);
    expect(() => parseEvalArgs(['gan', '--samples', '1'])).toThrow();
  });
});
