// The GAN pack's quality, measured with its evaluator (the small CLIP the diffusion pack ships, so
// the two families' numbers compare):
//  - distribution: Fréchet distance of evaluator features, N generated images (ψ = 1, one per real
//    image, of that image's sub-category: the training data's class frequencies) against the same
//    N real held-in images the diffusion pack is measured on (t2i.eval.ts: same seed, same order),
//    with the distance between two disjoint real sets as the floor;
//  - class fidelity: for each generated image of sub-category c, whether the nearest class
//    centroid (mean embedding of the other real images of each sub-category) is c, top-1 and
//    top-5, beside the same figure for the N real images;
//  - a sample sheet (docs/gan-samples.png): sub-categories as rows, fixed seeds at ψ = 1 then the
//    same seeds at ψ = 0.7.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Rng } from '../../ml/index.ts';
import { nodeBackend } from '../../ml/session/node.ts';
import type { EmojiItem } from '../data/catalog.ts';
import { loadEmojiDataset } from '../data/emoji.ts';
import { loadPixels, pixelBatch } from '../data/pixels.ts';
import { ClipEmbedder, type Embedded } from '../evaluator/embed.ts';
import { frechetDistance } from '../evaluator/metrics.ts';
import { loadGanPack } from '../gan/pack.ts';
import { GanSampler } from '../gan/sampler.ts';
import { EMOJI_GAN_PACK_DIR, fileFetchBytes, recordMetrics } from '../pack/write.ts';
import { centroidTopK, classCentroids } from './class-retrieval.ts';
import { loadJudge } from './judge.ts';
import type { EvalFn } from './options.ts';
import { gridPng } from './png-grid.ts';
import { shuffled, T2I_EVAL } from './t2i.eval.ts';

export const defaultPackDir = EMOJI_GAN_PACK_DIR;

export const GAN_EVAL = {
  samples: 1000,
  /** The diffusion evaluation's seed: both families are measured against the same real images. */
  seed: T2I_EVAL.seed,
  batch: 32,
  /** Real images per sub-category in its centroid (all by default). */
  centroidsPerClass: Infinity,
  sheet: {
    classes: ['face-smiling', 'face-affection', 'cat-face', 'animal-mammal', 'food-fruit', 'plant-flower', 'heart', 'country-flag', 'transport-ground', 'sky & weather'],
    seeds: 6,
    psi: [1, 0.7],
  },
} as const;
const QUICK = { samples: 160, centroidsPerClass: 20 };
const CHUNK = 1024;

export const evaluate: EvalFn = async (opts) => {
  const log = opts.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  const E = GAN_EVAL;
  const n = opts.samples ?? (opts.quick ? QUICK.samples : E.samples);
  const perClass = opts.quick ? QUICK.centroidsPerClass : E.centroidsPerClass;
  const pack = await loadGanPack(fileFetchBytes(opts.packDir));
  const session = { threads: opts.threads };
  // Real images of the sub-categories the generator draws (every one for a pack trained on them all).
  const classIndex = new Map(pack.classes.map((c, i) => [c, i]));
  const all = loadEmojiDataset({ split: 'train' });
  const items = all.filter((it) => classIndex.has(it.subcategory));
  if (items.length < all.length) log(`[gan] ${all.length - items.length} of ${all.length} training images are of sub-categories this generator does not know; left out`);
  if (2 * n > items.length) throw new Error(`gan eval: ${n} samples need ${2 * n} real images (two disjoint sets); the training split has ${items.length} of the pack's sub-categories`);
  const labelOf = (it: EmojiItem) => classIndex.get(it.subcategory)!;
  const order = shuffled(items.length, new Rng(E.seed));
  const sampler = await GanSampler.create(pack.config, pack.generator, { backend: nodeBackend, session, batch: E.batch });
  const clip = opts.evaluatorDir ? (await loadJudge(opts.evaluatorDir, session)).clip : await ClipEmbedder.create(pack.evaluator.config, pack.evaluator.weights, { backend: nodeBackend, session });
  try {
    const t0 = performance.now();
    const queries = order.slice(0, n);
    const labels = queries.map((i) => labelOf(items[i]));
    const generated = await sampler.render(queries.map((_, k) => ({ seed: E.seed + 100_000 + k, cls: labels[k] })), 1);
    const secondsPerImage = (performance.now() - t0) / 1000 / n;
    log(`[gan] generated ${n} images (${secondsPerImage.toFixed(3)} s/image)`);
    const gen = await clip.embedImages(generated, n);
    const real = await embedReal(clip, queries.map((i) => items[i]));
    const floor = await embedReal(clip, order.slice(n, 2 * n).map((i) => items[i]));

    // Centroids from every real image that is not a query (capped per class with --quick).
    const taken = new Int32Array(pack.classes.length);
    const members = order.slice(n).filter((i) => taken[labelOf(items[i])]++ < perClass);
    log(`[gan] embedding ${members.length} real images for the class centroids`);
    const centroids = classCentroids((await embedReal(clip, members.map((i) => items[i]))).embedding, members.map((i) => labelOf(items[i])), pack.classes.length);

    const metrics: Record<string, number> = {
      fid: frechetDistance(gen.features, real.features),
      fid_real_floor: frechetDistance(floor.features, real.features),
      class_top1_gen: centroidTopK(gen.embedding, labels, centroids, 1),
      class_top1_real: centroidTopK(real.embedding, labels, centroids, 1),
      class_top5_gen: centroidTopK(gen.embedding, labels, centroids, 5),
      class_top5_real: centroidTopK(real.embedding, labels, centroids, 5),
      seconds_per_image: secondsPerImage,
    };
    if (opts.docsDir) writeSheet(opts.docsDir, await sampleSheet(sampler, pack.classes), pack.config.resolution, log);
    if (opts.record) recordMetrics(opts.packDir, 'generator', { ...metrics, samples: n });
    metrics.samples = n;
    return {
      component: 'generator',
      metrics,
      notes: {
        fid: `Fréchet distance of evaluator features, ${n} generated (ψ = 1, training class frequencies) vs ${n} real held-in images`,
        fid_real_floor: 'the same distance between two disjoint real sets',
        class_top1_gen: `generated image's nearest class centroid is its asked sub-category (of ${pack.classes.length})`,
        class_top1_real: 'the same for the real images',
        class_top5_gen: 'asked sub-category among the 5 nearest centroids',
        class_top5_real: 'the same for the real images',
      },
    };
  } finally {
    await Promise.all([sampler.release(), clip.release()]);
  }
};

/**
 * Evaluator embeddings and features of real images, a chunk at a time (pixels are read per chunk:
 * a few images need not decode a whole style on a machine without the pixel cache).
 */
async function embedReal(clip: ClipEmbedder, items: readonly EmojiItem[]): Promise<{ embedding: Embedded; features: Embedded }> {
  const parts: { embedding: Embedded; features: Embedded }[] = [];
  for (let s = 0; s < items.length; s += CHUNK) {
    const part = items.slice(s, s + CHUNK);
    const store = await loadPixels(part);
    parts.push(await clip.embedImages(pixelBatch(store, part.map((_, k) => k)).data as Float32Array, part.length));
  }
  const join1 = (k: 'embedding' | 'features'): Embedded => {
    const dim = parts[0]?.[k].dim ?? 0;
    const data = new Float32Array(items.length * dim);
    let o = 0;
    for (const p of parts) {
      data.set(p[k].data, o);
      o += p[k].data.length;
    }
    return { data, rows: items.length, dim };
  };
  return { embedding: join1('embedding'), features: join1('features') };
}

export interface SheetRows {
  classes: string[];
  /** Per row: the seeds at each ψ in turn ([rows × (seeds·|ψ|)] tiles, row-major). */
  images: Float32Array;
  columns: number;
}

/**
 * The sheet's rows: the preferred sub-categories the pack has (else its first few), each drawn
 * with seeds 0 … seeds − 1 at every ψ, so a row reads as the same draws, untruncated then pulled
 * towards the average.
 */
export async function sampleSheet(sampler: GanSampler, classes: readonly string[]): Promise<SheetRows> {
  const S = GAN_EVAL.sheet;
  let rows: string[] = S.classes.filter((c) => classes.includes(c));
  if (rows.length < 2) rows = classes.slice(0, 4);
  const columns = S.seeds * S.psi.length;
  const per = sampler.config.imageChannels * sampler.config.resolution ** 2;
  const images = new Float32Array(rows.length * columns * per);
  for (const [p, psi] of S.psi.entries()) {
    const requests = rows.flatMap((c) => Array.from({ length: S.seeds }, (_, s) => ({ seed: s, cls: classes.indexOf(c) })));
    const out = await sampler.render(requests, psi);
    requests.forEach((_, k) => {
      const [r, s] = [Math.floor(k / S.seeds), k % S.seeds];
      images.set(out.subarray(k * per, (k + 1) * per), (r * columns + p * S.seeds + s) * per);
    });
  }
  return { classes: rows, images, columns };
}

function writeSheet(dir: string, sheet: SheetRows, size: number, log: (l: string) => void): void {
  const S = GAN_EVAL.sheet;
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'gan-samples.png'), gridPng(sheet.images, sheet.classes.length * sheet.columns, size, sheet.columns));
  const legend =
    `docs/gan-samples.png: the GAN pack's generator, one row per sub-category; seeds 0…${S.seeds - 1} at ψ = ${S.psi.join(', then at ψ = ')} ` +
    '(the same draws, truncated towards the average w).\n\n' +
    sheet.classes.map((c, i) => `row ${i + 1}: ${c}`).join('\n') +
    '\n';
  writeFileSync(join(dir, 'gan-samples.txt'), legend);
  log(`[gan] wrote ${join(dir, 'gan-samples.png')} (rows: sub-categories; columns: ${S.seeds} seeds at each ψ)`);
}
