// Text-to-image quality of the pack, measured with the pack's own evaluator (a small CLIP) or the
// one --evaluator names:
//  - prompt fidelity: for the evaluator's fixed 200 held-in concepts, one image per caption in each
//    style, generated at 25 DPM-Solver++ steps with classifier-free guidance; CLIP-T (image ↔ own
//    caption cosine) and image→caption top-5 retrieval among the 200 captions, beside the same
//    numbers for the real images (the target: generated ≥ 0.7× real); the same in each further
//    style the pack and the judge both know, on the set's concepts that style draws;
//  - distribution: Fréchet distance of evaluator features, generated vs real, over 1,000 captions
//    of the training split, with the distance between two disjoint real sets as the floor;
//  - a sample sheet per category (generated beside real) into docs/samples.png.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Rng } from '../../ml/index.ts';
import { nodeBackend } from '../../ml/session/node.ts';
import { type EmojiItem, CORE_STYLES, STYLES } from '../data/catalog.ts';
import { loadEmojiDataset } from '../data/emoji.ts';
import { loadPixels, pixelBatch } from '../data/pixels.ts';
import { configFromArchitectures, scheduleFromArchitecture, TEXT_ENCODER_KIND, textEncoderWeightShapes, UNET_KIND, unetWeightShapes } from '../diffusion/architecture.ts';
import { generateLatents } from '../diffusion/generate.ts';
import type { SamplerName } from '../diffusion/samplers.ts';
import { TextToImage } from '../diffusion/pipeline.ts';
import { noiseSchedule } from '../diffusion/schedule.ts';
import { VAE_KIND, vaeConfigSchema, vaeWeightShapes } from '../diffusion/vae.ts';
import { CLIP_KIND, clipWeightShapes, configFromArchitecture } from '../evaluator/architecture.ts';
import { ClipEmbedder } from '../evaluator/embed.ts';
import { retrievalSets } from '../evaluator/retrieval-set.ts';
import { featureFrechet, textToImageScores } from '../evaluator/text-to-image.ts';
import { loadPack } from '../pack/load.ts';
import { recordMetrics } from '../pack/write.ts';
import { Tokenizer } from '../text/tokenizer.ts';
import { type Judge, loadJudge } from './judge.ts';
import type { EvalFn } from './options.ts';
import { gridPng } from './png-grid.ts';
import { VaeDecoderSession } from './vae-decode.ts';

// Guidance 7 won a sweep over {2, 4, 7} (CLIP-T and top-5 on 40 of the concepts, at step 2,000).
export const T2I_EVAL = { steps: 25, sampler: 'dpm++2m', guidance: 7, batch: 16, concepts: 200, fidImages: 1000, gridPerCategory: 4, seed: 1234 } as const;
const QUICK = { concepts: 40, fidImages: 160 };

/** The protocol's knobs, for sweeps (e.g. of the guidance scale); fidImages 0 skips the Fréchet distance. */
export type T2IOverrides = Partial<{ -readonly [K in keyof typeof T2I_EVAL]: (typeof T2I_EVAL)[K] extends string ? string : number }>;

export const evaluate: EvalFn = (opts) => evaluateTextToImage(opts);

export async function evaluateTextToImage(opts: Parameters<EvalFn>[0], overrides: T2IOverrides = {}): ReturnType<EvalFn> {
  const log = opts.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  const E = { ...T2I_EVAL, ...overrides } as { [K in keyof typeof T2I_EVAL]: (typeof T2I_EVAL)[K] extends string ? SamplerName : number };
  const concepts = overrides.concepts ?? (opts.quick ? QUICK.concepts : E.concepts);
  const fidImages = overrides.fidImages ?? (opts.quick ? QUICK.fidImages : E.fidImages);
  const session = { threads: opts.threads };
  const pack = await loadPack(async (f) => new Uint8Array(readFileSync(join(opts.packDir, f))), {
    architectures: {
      [VAE_KIND]: vaeWeightShapes,
      [TEXT_ENCODER_KIND]: textEncoderWeightShapes,
      [UNET_KIND]: unetWeightShapes,
      [CLIP_KIND]: clipWeightShapes,
    },
    components: opts.evaluatorDir ? ['vae', 'textEncoder', 'unet'] : ['vae', 'textEncoder', 'unet', 'evaluator'],
  });
  const m = pack.manifest;
  const w = pack.weights;
  const unetArch = m.components.unet!.architecture;
  const config = configFromArchitectures(m.components.textEncoder!.architecture, unetArch);
  const schedule = noiseSchedule(scheduleFromArchitecture(unetArch));
  const tokenizer = new Tokenizer(m.tokenizer);
  const pipe = new TextToImage(config, { text: w.textEncoder!, unet: w.unet! }, { backend: nodeBackend, session });
  const vae = await VaeDecoderSession.create(vaeConfigSchema.parse(m.components.vae!.architecture), w.vae!, m.latent.scalingFactor, nodeBackend, { batch: E.batch, session });
  const judge: Judge = opts.evaluatorDir
    ? await loadJudge(opts.evaluatorDir, session)
    : { clip: await ClipEmbedder.create(configFromArchitecture(m.components.evaluator!.architecture), w.evaluator!, { backend: nodeBackend, session }), tokenizer, source: "the pack's own evaluator" };
  const { clip } = judge;
  const emptyIds = [tokenizer.encode('').ids];
  const per = 3 * vae.config.resolution ** 2;
  const t0 = performance.now();
  let generated = 0;

  /** Images for captions, batch by batch; the seed of a batch depends only on its first index. */
  const generate = async (captions: readonly string[], seed: number): Promise<Float32Array> => {
    const out = new Float32Array(captions.length * per);
    for (let s = 0; s < captions.length; s += E.batch) {
      const part = captions.slice(s, s + E.batch);
      const ids = part.map((c) => tokenizer.encode(c).ids);
      const z = await generateLatents(pipe, { schedule, ids, negativeIds: emptyIds, guidance: E.guidance, sampler: E.sampler, steps: E.steps, seed: seed + s });
      out.set(await vae.decode(z, part.length), s * per);
      generated += part.length;
      const secs = (performance.now() - t0) / 1000;
      log(`[t2i] generated ${generated} images (${(secs / generated).toFixed(2)} s/image)`);
    }
    return out;
  };

  try {
    const items = loadEmojiDataset({ split: 'train' });
    const sets = retrievalSets(items, CORE_STYLES, STYLES, concepts);
    const metrics: Record<string, number> = {};
    // 1. Prompt fidelity on the evaluator's fixed set, per style.
    const realPx = async (its: readonly EmojiItem[]) => pixelBatch(await loadPixels(its), its.map((_, i) => i)).data as Float32Array;
    const score = async (chosen: readonly EmojiItem[]) =>
      textToImageScores(clip, chosen.map((it) => judge.tokenizer.encode(it.caption).ids), await generate(chosen.map((it) => it.caption), E.seed), await realPx(chosen), 5);
    for (const style of CORE_STYLES) {
      const s = await score(sets.core.byStyle[style]);
      Object.assign(metrics, { [`clipT_gen_${style}`]: s.clipTGenerated, [`clipT_real_${style}`]: s.clipTReal, [`top5_gen_${style}`]: s.topKGenerated, [`top5_real_${style}`]: s.topKReal });
    }
    for (const k of ['clipT', 'top5']) {
      for (const kind of ['gen', 'real']) metrics[`${k}_${kind}`] = CORE_STYLES.reduce((s, st) => s + metrics[`${k}_${kind}_${st}`], 0) / CORE_STYLES.length;
      metrics[`${k}_ratio`] = metrics[`${k}_gen`] / metrics[`${k}_real`];
    }
    // The same in each further style the pack was trained on and the judge knows (its word is in
    // both vocabularies), on the fixed concepts that style draws, each among its own captions.
    for (const [style, chosen] of Object.entries(sets.other)) {
      if (!m.tokenizer.vocab.includes(style) || !judge.tokenizer.config.vocab.includes(style)) continue;
      const s = await score(chosen);
      metrics[`clipT_ratio_${style}`] = s.clipTGenerated / s.clipTReal;
      metrics[`top5_ratio_${style}`] = s.topKGenerated / s.topKReal;
    }
    // 2. Fréchet distance on evaluator features over captions of the training split, and the same
    //    distance between two disjoint real sets as the floor.
    if (fidImages > 0) {
      const order = shuffled(items.length, new Rng(E.seed));
      const fidItems = order.slice(0, fidImages).map((i) => items[i]);
      const floorItems = order.slice(fidImages, 2 * fidImages).map((i) => items[i]);
      const real = await realPx(fidItems);
      metrics.fid = await featureFrechet(clip, await generate(fidItems.map((it) => it.caption), E.seed + 100_000), fidImages, real, fidImages);
      metrics.fid_real_floor = await featureFrechet(clip, await realPx(floorItems), fidImages, real, fidImages);
    }
    metrics.seconds_per_image = (performance.now() - t0) / 1000 / generated;

    // 3. The sample sheet: per category, a few captions, each generated image beside the real one.
    if (opts.docsDir) {
      const sheet = sampleSheetItems(items, E.gridPerCategory, new Rng(E.seed + 7));
      const gen = await generate(sheet.map((it) => it.caption), E.seed + 200_000);
      const realSheet = await realPx(sheet);
      const tiles = new Float32Array(2 * sheet.length * per);
      sheet.forEach((_, i) => {
        tiles.set(gen.subarray(i * per, (i + 1) * per), 2 * i * per);
        tiles.set(realSheet.subarray(i * per, (i + 1) * per), (2 * i + 1) * per);
      });
      mkdirSync(opts.docsDir, { recursive: true });
      writeFileSync(join(opts.docsDir, 'samples.png'), gridPng(tiles, 2 * sheet.length, vae.config.resolution, 2 * E.gridPerCategory));
      writeFileSync(join(opts.docsDir, 'samples.txt'), sampleSheetLegend(sheet, E.gridPerCategory));
      log(`[t2i] wrote ${join(opts.docsDir, 'samples.png')} (rows: categories; pairs: generated, real)`);
    }
    if (opts.record) recordMetrics(opts.packDir, 'unet', Object.fromEntries(Object.entries(metrics).map(([k, v]) => [`t2i_${k}`, v])));
    metrics.guidance = E.guidance;
    return {
      component: 'unet',
      metrics,
      notes: {
        clipT_ratio: `CLIP-T of generated / real images, ${CORE_STYLES.join(' and ')} (target ≥ 0.7)`,
        top5_ratio: 'image→caption top-5 retrieval, generated / real (target ≥ 0.7)',
        ...Object.fromEntries(Object.keys(sets.other).map((st) => [`clipT_ratio_${st}`, `the same in ${st} style, among its ${sets.other[st].length} captions of the set`])),
        fid: `Fréchet distance of evaluator features, ${fidImages} generated vs real (guidance ${E.guidance}, ${E.steps} ${E.sampler} steps)`,
        fid_real_floor: 'the same distance between two disjoint real sets',
        ...(opts.evaluatorDir ? { clipT_gen: `scored by ${judge.source}` } : {}),
      },
    };
  } finally {
    await Promise.all([pipe.release(), vae.release(), clip.release()]);
  }
}

/** 0 … n − 1 in the rng's order: how the evaluations choose their real images. */
export function shuffled(n: number, rng: Rng): number[] {
  const p = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [p[i], p[j]] = [p[j], p[i]];
  }
  return p;
}

/** Per category (sorted), `per` base images alternating styles, drawn with the rng. */
export function sampleSheetItems(items: readonly EmojiItem[], per: number, rng: Rng): EmojiItem[] {
  const byCat = new Map<string, EmojiItem[]>();
  for (const it of items) if (!it.tone && it.category !== 'Component') byCat.set(it.category, [...(byCat.get(it.category) ?? []), it]);
  const out: EmojiItem[] = [];
  for (const cat of [...byCat.keys()].sort())
    for (let k = 0; k < per; k++) {
      const pool = byCat.get(cat)!.filter((it) => it.style === CORE_STYLES[k % CORE_STYLES.length]);
      out.push(pool[rng.int(pool.length)]);
    }
  return out;
}

const sampleSheetLegend = (sheet: readonly EmojiItem[], per: number) =>
  `docs/samples.png: one row per category; each pair is (generated, real) for the caption below.\n\n${sheet
    .map((it, i) => `${i % per === 0 ? `\n${it.category}\n` : ''}  ${it.caption}`)
    .join('\n')}\n`;
