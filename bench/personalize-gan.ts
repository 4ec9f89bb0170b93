// npm run bench:personalize -- --family gan [--concepts N] [--json] [--quick] [--record] [--pack DIR]
//
// GAN inversion on the data's 30 held-out concepts, each in both core styles (Twemoji and Noto: two
// images per concept; no model of the pack saw them). Per image and method — W optimization, W+
// optimization, the encoder (1 pass, pSp/e4e), ReStyle (3 passes of the same encoder), the hybrid
// (encoder start + a short W+ optimization) and PTI (a W pivot, then LoRA on the generator):
//  - PSNR and SSIM of the reconstruction (image-metrics.ts);
//  - feature distance: 1 − cos of the evaluator's image embeddings of reconstruction and image;
//  - seconds per image (wall time of one image's inversion on onnxruntime-node, 1 thread, including
//    building its training graph, as a node pays it; the encoder's session is made beforehand);
//  - tuned numbers per image: the code's size (W, W+), or the pivot plus the LoRA's parameters (PTI);
//  - editability, under one fixed edit: the InterFaceGAN label direction towards EDIT.target (against
//    every other sub-category), at EDIT.strength standard deviations of mapped w along it, on every
//    W+ entry (the Latent Edit node's unit). (a) edit gain: how much the edit raises the cosine of the
//    image's evaluator embedding to the sub-category's centroid, edited minus unedited reconstruction;
//    the centroid is the normalized mean embedding of the generator's own images of the sub-category
//    (EDIT.centroidSamples mapped w of that class), since an edit in W can only move an image towards
//    what the generator renders for it (the real images' centroid barely follows the edit while the
//    generator is young); (b) W distance: how far the edited code lies from the mapped w, as the
//    Mahalanobis distance under the mean and covariance of EDIT.covarianceSamples mapped w, divided
//    by √wDim so a typical mapped w scores about 1 (a W+ code: the mean over its entries, so entries
//    that disagree count too). PTI's edit moves its pivot and renders through the tuned generator.
// A reference row applies the same edit to freshly sampled w. Prints a table and checks the expected
// orderings (ganChecks); --record keeps the table in README.md (a plain run writes no file).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { f32, type Tensor } from '../ml/index.ts';
import { nodeBackend } from '../ml/session/node.ts';
import { CORE_STYLES } from '../models/data/catalog.ts';
import { loadEmojiDataset, readHoldout } from '../models/data/emoji.ts';
import { loadPixels, pixelBatch } from '../models/data/pixels.ts';
import { mean, psnrPerImage, ssimPerImage } from '../models/eval/image-metrics.ts';
import { toSigned } from '../models/gan/codes.ts';
import { numWs } from '../models/gan/config.ts';
import { applyEdit, ganSpace, labelDirection } from '../models/gan/directions.ts';
import { GanImageEncoder } from '../models/gan/encode.ts';
import { GanModel } from '../models/gan/model.ts';
import { loadGanPack } from '../models/gan/pack.ts';
import { EMOJI_GAN_PACK_DIR, fileFetchBytes } from '../models/pack/write.ts';
import { Tokenizer } from '../models/text/tokenizer.ts';
import { withReadmeBlock } from './readme-block.ts';

export const GAN_METHODS = ['w-optimization', 'w+-optimization', 'encoder', 'restyle', 'hybrid', 'pti'] as const;
export type GanMethod = (typeof GAN_METHODS)[number];
const ENCODER_METHODS: readonly GanMethod[] = ['encoder', 'restyle', 'hybrid'];

export interface GanRow {
  psnr: number;
  ssim: number;
  /** 1 − cos of the evaluator's image embeddings, reconstruction against image. */
  featureDistance: number;
  secondsPerImage: number;
  /** Numbers fitted per image: the code's size, or PTI's pivot plus LoRA parameters. */
  parameters: number;
  /** Rise of the cosine to the target sub-category's centroid under the fixed edit. */
  editGain: number;
  /** Mahalanobis distance / √wDim of the edited code from the mapped w (1 ≈ a typical mapped w). */
  editedDistance: number;
}

export const GAN_FULL = { wSteps: 300, wPlusSteps: 300, hybridSteps: 60, pivotSteps: 200, ptiSteps: 200 };
export const GAN_QUICK = { wSteps: 20, wPlusSteps: 20, hybridSteps: 5, pivotSteps: 20, ptiSteps: 20 };
// Learning rates and PTI's settings of the example graphs (graphs/gan-*.json).
const LR = { w: 0.02, wPlus: 0.02, hybrid: 0.01, pivot: 0.02, pti: 0.003 };
const PTI = { rank: 4, alpha: 4, locality: { weight: 1, samples: 4 } };
const RESTYLE_PASSES = 3;
export const EDIT = { target: 'face-smiling', strength: 3, covarianceSamples: 2000, centroidSamples: 64, seed: 0 };

/** PTI keeps W's editability: at least this fraction of W optimization's edit gain… */
const PTI_KEEPS_GAIN = 0.5;
/** …with its edited pivot no farther from the mapped w than this multiple of W optimization's. */
const PTI_DISTANCE_SLACK = 1.1;

/**
 * The expected orderings, each present only when the methods it compares were measured:
 * reconstruction W opt < encoder < W+ opt < PTI (PSNR), ReStyle and the hybrid refine the encoder;
 * time encoder < hybrid < W+ opt; editability the reverse for latent-only methods — W opt and the
 * encoder land nearer the mapped w than W+ opt after the edit, and the edit moves W opt's image at
 * least as far towards the target as W+ opt's; the edit works at all (W opt's gain > 0); and PTI
 * keeps W's editability: through the tuned generator its gain is at least half W opt's, and its
 * edited pivot (a W code) lies no more than 1.1× as far from the mapped w as W opt's.
 */
export function ganChecks(rows: Partial<Record<GanMethod, GanRow>>): Record<string, boolean> {
  const out: Record<string, boolean> = {};
  const check = (name: string, methods: GanMethod[], holds: (r: Record<GanMethod, GanRow>) => boolean) => {
    if (methods.every((m) => rows[m])) out[name] = holds(rows as Record<GanMethod, GanRow>);
  };
  const W = 'w-optimization';
  const WP = 'w+-optimization';
  check('psnrWOptBelowEncoder', [W, 'encoder'], (r) => r[W].psnr < r.encoder.psnr);
  check('psnrEncoderBelowWPlusOpt', ['encoder', WP], (r) => r.encoder.psnr < r[WP].psnr);
  check('psnrWPlusOptBelowPti', [WP, 'pti'], (r) => r[WP].psnr < r.pti.psnr);
  check('restyleRefinesEncoder', ['encoder', 'restyle'], (r) => r.restyle.psnr >= r.encoder.psnr);
  check('hybridRefinesEncoder', ['encoder', 'hybrid'], (r) => r.hybrid.psnr >= r.encoder.psnr);
  check('secondsEncoderBelowHybrid', ['encoder', 'hybrid'], (r) => r.encoder.secondsPerImage < r.hybrid.secondsPerImage);
  check('secondsHybridBelowWPlusOpt', ['hybrid', WP], (r) => r.hybrid.secondsPerImage < r[WP].secondsPerImage);
  check('editWorksOnWOpt', [W], (r) => r[W].editGain > 0);
  check('editedWOptNearerMappedWThanWPlusOpt', [W, WP], (r) => r[W].editedDistance <= r[WP].editedDistance);
  check('editedEncoderNearerMappedWThanWPlusOpt', ['encoder', WP], (r) => r.encoder.editedDistance <= r[WP].editedDistance);
  check('editGainWOptAtLeastWPlusOpt', [W, WP], (r) => r[W].editGain >= r[WP].editGain);
  check('ptiKeepsWEditability', [W, 'pti'], (r) => r.pti.editGain >= PTI_KEEPS_GAIN * r[W].editGain && r.pti.editedDistance <= PTI_DISTANCE_SLACK * r[W].editedDistance);
  return out;
}

/** The mapped w's distribution: its mean, principal directions and the variance along each. */
export interface WDistribution {
  mean: Float32Array;
  /** Orthonormal directions [D, D] (rows). */
  directions: Float32Array;
  variances: number[];
}

/**
 * Each code's Mahalanobis distance from the mapped w, divided by √D (so a typical mapped w scores
 * about 1): one per row of a W [n, D] code, the mean over entries of a W+ [n, L, D] one.
 */
export function wDistance(dist: WDistribution, code: Tensor): number[] {
  const D = dist.mean.length;
  const n = code.shape[0];
  const per = code.data.length / n;
  if (per % D) throw new Error(`a code of ${per} values per image is not made of ${D}-dimensional w`);
  const floor = Math.max(...dist.variances) * 1e-6;
  const d = code.data as Float32Array;
  const r = new Float64Array(D);
  return Array.from({ length: n }, (_, k) => {
    let total = 0;
    for (let e = 0; e < per / D; e++) {
      const at = k * per + e * D;
      for (let j = 0; j < D; j++) r[j] = d[at + j] - dist.mean[j];
      let sq = 0;
      dist.variances.forEach((v, i) => {
        let dot = 0;
        for (let j = 0; j < D; j++) dot += dist.directions[i * D + j] * r[j];
        sq += (dot * dot) / Math.max(v, floor);
      });
      total += Math.sqrt(sq / D);
    }
    return total / (per / D);
  });
}

const cosine = (a: Float32Array, b: Float32Array) => {
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < a.length; i++) [ab, aa, bb] = [ab + a[i] * b[i], aa + a[i] * a[i], bb + b[i] * b[i]];
  return ab / Math.sqrt(aa * bb || 1);
};

const clock = async <T>(f: () => Promise<T>): Promise<[T, number]> => {
  const t0 = performance.now();
  const r = await f();
  return [r, (performance.now() - t0) / 1000];
};

/** Images in [0, 1] of a [−1, 1] batch (pixelBatch gives [−1, 1]; the GAN takes [0, 1]). */
const toUnitImage = (signed: Tensor): Tensor => f32(signed.shape, (signed.data as Float32Array).map((v) => (v + 1) / 2));

export async function runGanBench(argv: string[]): Promise<void> {
  const { values: opt } = parseArgs({
    args: argv,
    options: {
      family: { type: 'string' },
      json: { type: 'boolean' },
      quick: { type: 'boolean' },
      record: { type: 'boolean' },
      concepts: { type: 'string' },
      pack: { type: 'string', default: EMOJI_GAN_PACK_DIR },
    },
  });
  const S = opt.quick ? GAN_QUICK : GAN_FULL;
  const concepts = opt.concepts === undefined ? undefined : Number(opt.concepts);
  if (concepts !== undefined && !(Number.isInteger(concepts) && concepts >= 1)) throw new Error(`--concepts takes a positive whole number, got ${opt.concepts}`);
  const log = (s: string) => opt.json || process.stderr.write(`${s}\n`);
  const backend = nodeBackend;

  const pack = await loadGanPack(fileFetchBytes(opt.pack!), { who: 'bench:personalize --family gan' });
  const model = GanModel.create({ name: pack.manifest.name, config: pack.config, classes: pack.classes, generator: pack.generator, evaluator: pack.evaluator, backend, threads: 1, tokenizer: new Tokenizer(pack.tokenizer) });
  const c = pack.config;
  const encoder = pack.encoder
    ? new GanImageEncoder({ encoderConfig: pack.encoder.config, encoderWeights: pack.encoder.weights, ganConfig: c, generatorWeights: pack.generator, backend, threads: 1 }, 1)
    : null;
  const methods = GAN_METHODS.filter((m) => encoder || !ENCODER_METHODS.includes(m));
  if (!encoder) log(`bench:personalize --family gan: the pack in ${opt.pack} has no encoder yet; the encoder, ReStyle and hybrid rows are left out`);

  // Images: each held-out concept's base emoji in both core styles.
  const holdout = readHoldout().concepts.slice(0, concepts);
  const items = loadEmojiDataset({ split: 'holdout', styles: CORE_STYLES }).filter((it) => !it.tone);
  const chosen = holdout.flatMap((h) => CORE_STYLES.flatMap((style) => items.filter((it) => it.concept === h.concept && it.style === style).slice(0, 1).map((item) => ({ name: h.name, style, item }))));
  const pixels = await loadPixels(chosen.map((x) => x.item));

  // The edit, the target's centroid and the distribution of mapped w.
  const target = pack.classes.indexOf(EDIT.target);
  if (target < 0) throw new Error(`the pack's generator has no sub-category "${EDIT.target}" to edit towards`);
  const { direction } = await labelDirection(model, { positive: target, negative: 'rest', seed: EDIT.seed });
  const pcs = await ganSpace(model, { k: c.wDim, samples: EDIT.covarianceSamples, seed: EDIT.seed });
  const dist: WDistribution = { mean: pcs.mean.data as Float32Array, directions: pcs.directions.data as Float32Array, variances: pcs.variances };
  const dir = direction.data as Float32Array;
  let spread = 0;
  pcs.variances.forEach((v, i) => {
    let dot = 0;
    for (let j = 0; j < c.wDim; j++) dot += dist.directions[i * c.wDim + j] * dir[j];
    spread += dot * dot * v;
  });
  const strength = EDIT.strength * Math.sqrt(spread);
  const edit = (code: Tensor) => applyEdit(c, code, direction, strength);
  const ofClass = await model.sample({ n: EDIT.centroidSamples, seed: EDIT.seed + 3, classes: new Array(EDIT.centroidSamples).fill(target) });
  const centroid = await meanEmbedding(model, await model.synthesize('w', ofClass));
  const toTarget = async (images: Tensor) => {
    const e = (await model.embedImages(images)).data as Float32Array;
    const E = centroid.length;
    return Array.from({ length: images.shape[0] }, (_, k) => cosine(e.subarray(k * E, (k + 1) * E), centroid));
  };

  // Reference: the same edit on sampled w (seeds apart from the covariance's and centroid's).
  const sampled = await model.sample({ n: 32, seed: EDIT.seed + 7 });
  const refBefore = await toTarget(await model.synthesize('w', sampled));
  const refAfter = await toTarget(await model.synthesize('w+', edit(sampled)));
  const reference = { distance: mean(wDistance(dist, sampled)), editGain: mean(refAfter.map((v, i) => v - refBefore[i])), editedDistance: mean(wDistance(dist, edit(sampled))) };

  if (encoder) await encoder.encode(toUnitImage(pixelBatch(pixels, [0])), { passes: 1 }); // makes its session before the clock runs
  const per = Object.fromEntries(methods.map((m) => [m, { psnr: [], ssim: [], featureDistance: [], seconds: [], parameters: [], editGain: [], editedDistance: [] }])) as unknown as Record<
    GanMethod,
    Record<keyof GanRow | 'seconds', number[]>
  >;
  const L = numWs(c);
  for (const [i, x] of chosen.entries()) {
    const signed = pixelBatch(pixels, [i]);
    const image = toUnitImage(signed);
    const imageEmb = (await model.embedImages(image)).data as Float32Array;
    const parts: string[] = [];
    for (const m of methods) {
      // Each method → its code (W or W+), the generator that renders it, tuned numbers and seconds.
      const [r, seconds] = await clock(async (): Promise<{ code: Tensor; space: 'w' | 'w+'; g: GanModel; parameters: number }> => {
        switch (m) {
          case 'w-optimization':
            return { code: (await model.invert('w', image, { steps: S.wSteps, lr: LR.w })).value, space: 'w', g: model, parameters: c.wDim };
          case 'w+-optimization':
            return { code: (await model.invert('w+', image, { steps: S.wPlusSteps, lr: LR.wPlus })).value, space: 'w+', g: model, parameters: L * c.wDim };
          case 'encoder':
          case 'restyle':
            return { code: (await encoder!.encode(image, { passes: m === 'encoder' ? 1 : RESTYLE_PASSES })).ws, space: 'w+', g: model, parameters: L * c.wDim };
          case 'hybrid': {
            const init = (await encoder!.encode(image, { passes: 1 })).ws;
            return { code: (await model.invert('w+', image, { steps: S.hybridSteps, lr: LR.hybrid, init })).value, space: 'w+', g: model, parameters: L * c.wDim };
          }
          case 'pti': {
            const t = await model.pivotalTuning(image, { pivotSteps: S.pivotSteps, pivotLr: LR.pivot, steps: S.ptiSteps, lr: LR.pti, ...PTI });
            const lora = Object.values(t.lora).reduce((a, w) => a + w.data.length, 0);
            return { code: t.pivot, space: 'w', g: model.withLora({ tensors: t.lora, meta: t.meta }), parameters: c.wDim + lora };
          }
        }
      });
      const recon = await r.g.synthesize(r.space, r.code);
      const edited = edit(r.code);
      const [before] = await toTarget(recon);
      const [after] = await toTarget(await r.g.synthesize('w+', edited));
      const reconEmb = (await model.embedImages(recon)).data as Float32Array;
      const reconSigned = toSigned(recon).data as Float32Array;
      const row = per[m];
      row.psnr.push(psnrPerImage(reconSigned, signed.data as Float32Array, 1)[0]);
      row.ssim.push(ssimPerImage(reconSigned, signed.data as Float32Array, signed.shape)[0]);
      row.featureDistance.push(1 - cosine(reconEmb, imageEmb));
      row.seconds.push(seconds);
      row.parameters.push(r.parameters);
      row.editGain.push(after - before);
      row.editedDistance.push(wDistance(dist, edited)[0]);
      parts.push(`${m} ${row.psnr.at(-1)!.toFixed(2)} dB ${seconds.toFixed(2)} s`);
    }
    log(`[${i + 1}/${chosen.length}] ${x.name} (${x.style}): ${parts.join(', ')}`);
  }
  await encoder?.release();
  await model.release();

  const rows = Object.fromEntries(
    methods.map((m) => {
      const p = per[m];
      return [m, { psnr: mean(p.psnr), ssim: mean(p.ssim), featureDistance: mean(p.featureDistance), secondsPerImage: mean(p.seconds), parameters: mean(p.parameters), editGain: mean(p.editGain), editedDistance: mean(p.editedDistance) }];
    }),
  ) as Partial<Record<GanMethod, GanRow>>;
  const checks = ganChecks(rows);
  const settings = {
    pack: pack.manifest.name,
    backend: backend.name,
    threads: 1,
    concepts: holdout.length,
    images: chosen.length,
    styles: CORE_STYLES,
    ...S,
    lr: LR,
    pti: PTI,
    restylePasses: RESTYLE_PASSES,
    edit: { ...EDIT, layers: 'all', direction: 'label (InterFaceGAN) against the rest', centroid: 'generated images of the target sub-category' },
    featureDistance: '1 − cos of evaluator image embeddings',
    ...(encoder ? {} : { note: 'the pack has no encoder: encoder, ReStyle and hybrid left out' }),
  };
  if (opt.json) process.stdout.write(`${JSON.stringify({ settings, methods: rows, reference, checks }, null, 2)}\n`);
  const table = ganMarkdown(settings, rows, reference, checks);
  if (!opt.json) process.stdout.write(`${table}\n`);
  // Only --record rewrites the README's block: a plain run prints and leaves files alone.
  if (opt.record) writeGanReadme(table);
}

/** The normalized mean of the evaluator's embeddings of images in [0, 1]. */
async function meanEmbedding(model: GanModel, images: Tensor): Promise<Float32Array> {
  const e = await model.embedImages(images);
  const [n, E] = e.shape;
  const m = new Float32Array(E);
  for (let k = 0; k < n; k++) for (let j = 0; j < E; j++) m[j] += (e.data as Float32Array)[k * E + j] / n;
  const norm = Math.hypot(...m) || 1;
  return m.map((v) => v / norm);
}

const LABELS: Record<GanMethod, string> = {
  'w-optimization': 'W optimization',
  'w+-optimization': 'W+ optimization',
  encoder: 'encoder (1 pass)',
  restyle: `ReStyle (${RESTYLE_PASSES} passes)`,
  hybrid: 'hybrid (encoder + W+ opt)',
  pti: 'PTI (W pivot + LoRA)',
};

export function ganMarkdown(
  s: { pack: string; backend: string; concepts: number; images: number; wSteps: number; wPlusSteps: number; hybridSteps: number; pivotSteps: number; ptiSteps: number; note?: string },
  rows: Partial<Record<GanMethod, GanRow>>,
  reference: { distance: number; editGain: number; editedDistance: number },
  checks: Record<string, boolean>,
): string {
  const f = (v: number, d = 3) => v.toFixed(d);
  const seconds = (v: number) => (v >= 10 ? v.toFixed(1) : v.toPrecision(3));
  return [
    `Pack ${s.pack}, ${s.backend}, 1 thread; ${s.concepts} held-out concepts × Twemoji and Noto = ${s.images} images, one at a time. W and W+ optimization ${s.wSteps} Adam steps from w_avg (lr ${LR.w}); encoder 1 pass, ReStyle ${RESTYLE_PASSES}; hybrid: the encoder, then ${s.hybridSteps} W+ steps (lr ${LR.hybrid}); PTI: ${s.pivotSteps} W pivot steps, then ${s.ptiSteps} LoRA steps (rank ${PTI.rank}, α ${PTI.alpha}, lr ${LR.pti}, locality ${PTI.locality.weight} on ${PTI.locality.samples} samples). Feature distance: 1 − cos of the evaluator's image embeddings. Edit: label direction towards ${EDIT.target} (against the rest), ${EDIT.strength} σ of mapped w along it, all W+ entries; edit gain: rise of the cosine to the centroid of ${EDIT.centroidSamples} generated ${EDIT.target} images; W distance: Mahalanobis distance of the edited code under ${EDIT.covarianceSamples} mapped w, ÷ √wDim (mean over W+ entries; a mapped w scores ${f(reference.distance, 2)}).${s.note ? ` Note: ${s.note}.` : ''}`,
    '',
    '| method | PSNR dB ↑ | SSIM ↑ | 1 − cos ↓ | s / image | tuned numbers | edit gain ↑ | W distance (edited) ↓ |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    ...GAN_METHODS.flatMap((m) => {
      const r = rows[m];
      return r ? [`| ${LABELS[m]} | ${f(r.psnr, 2)} | ${f(r.ssim)} | ${f(r.featureDistance)} | ${seconds(r.secondsPerImage)} | ${Math.round(r.parameters).toLocaleString('en')} | ${f(r.editGain)} | ${f(r.editedDistance, 2)} |`] : [];
    }),
    `| sampled w (reference) | — | — | — | — | — | ${f(reference.editGain)} | ${f(reference.editedDistance, 2)} |`,
    '',
    `Checks: ${Object.entries(checks).map(([k, v]) => `${k} ${v ? 'yes' : 'NO'}`).join('; ')}.`,
    '',
    'Field anchor (GANInverter’s unified table, CelebA-HQ, PSNR): W optimization 15.9 dB < e4e 16.7 < pSp 18.0 < W+ optimization 20.6 < PTI 24.6.',
  ].join('\n');
}

/** The README with the GAN block replaced, or added after the diffusion benchmark's section. */
export const withGanBlock = (text: string, table: string) =>
  withReadmeBlock(text, table, { name: 'personalize:gan', heading: 'GAN inversion benchmark', command: 'npm run bench:personalize -- --family gan', after: '<!-- bench:personalize:end -->' });

function writeGanReadme(table: string) {
  const file = join(import.meta.dirname, '..', 'README.md');
  writeFileSync(file, withGanBlock(readFileSync(file, 'utf8'), table));
}
