// The AR pack's quality, measured with its copy of the evaluator (the diffusion pack's small CLIP,
// so the families' numbers compare):
//  - the image tokenizer: PSNR of the round trip image → VAE → tokens → VAE decoder against the
//    image, beside the VAE alone (the ceiling: the tokens decode to the VAE's latent), on the 30
//    held-out concepts (every style; never in any training) and on held-in images; and how much of
//    the codebook the held-in images' grids use (share of codes, perplexity);
//  - prompt fidelity, as the diffusion pack's t2i.eval.ts measures it: for the evaluator's fixed
//    held-in concepts, one image per caption in each core style; CLIP-T and image→caption top-5
//    beside the real images' (the target: generated ≥ 0.5× real; the diffusion pack reaches 0.55×);
//  - distribution: Fréchet distance of evaluator features, generated vs the same real held-in
//    images the diffusion and GAN packs are measured on, with two disjoint real sets as the floor;
//  - cost: sampling milliseconds per image with and without the key/value cache (and whether the
//    two draw the same grids), and the pack's size against its budget;
//  - a sample sheet (docs/ar-samples.png, ar-sheet.ts).
// --samples N sets the Fréchet sets to N images and caps the concepts per style and the held-out
// images at N (a quick look, or a test).
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { Rng } from '../../ml/index.ts';
import { nodeBackend } from '../../ml/session/node.ts';
import { codeUsage } from '../ar/code-usage.ts';
import { loadArPack } from '../ar/pack.ts';
import { CORE_STYLES, type EmojiItem } from '../data/catalog.ts';
import { loadEmojiDataset, readHoldout } from '../data/emoji.ts';
import { loadPixels, pixelBatch } from '../data/pixels.ts';
import { ClipEmbedder } from '../evaluator/embed.ts';
import { frechetDistance } from '../evaluator/metrics.ts';
import { retrievalSet } from '../evaluator/retrieval-set.ts';
import { textToImageScores } from '../evaluator/text-to-image.ts';
import { EMOJI_AR_PACK_DIR, fileFetchBytes, recordMetrics } from '../pack/write.ts';
import { AR_PACK_BUDGET_BYTES } from '../train/ar-export.ts';
import { ArImages, type ArSampling } from './ar-images.ts';
import { sheetItems, writeArSheet } from './ar-sheet.ts';
import { mean, psnrPerImage } from './image-metrics.ts';
import { loadJudge } from './judge.ts';
import type { EvalFn, EvalOptions } from './options.ts';
import { shuffled, T2I_EVAL } from './t2i.eval.ts';

export const defaultPackDir = EMOJI_AR_PACK_DIR;

/**
 * The protocol. The sampling settings are a starting point, not yet swept (the pack is not trained
 * yet): evaluateAr's overrides are there for that sweep, as t2i.eval.ts's guidance sweep did.
 */
export const AR_EVAL = {
  /** The diffusion evaluation's seed: the same real images and concepts. */
  seed: T2I_EVAL.seed,
  batch: 16,
  /** Concepts per core style for CLIP-T and top-5 (the evaluator's fixed set). */
  concepts: T2I_EVAL.concepts,
  /** Images in each Fréchet set; also the held-in images of the tokenizer's round trip and code usage. */
  fidImages: T2I_EVAL.fidImages,
  /** Captions sampled with and without the key/value cache for the timing. */
  timing: 16,
  sampling: { temperature: 1, topK: 0, topP: 1, guidance: 3 } satisfies ArSampling,
} as const;
const QUICK = { concepts: 40, fidImages: 160 };
const TOP_K = 5;

/** The metrics that describe the image tokenizer (recorded in its manifest entry); the rest are the transformer's. */
export const TOKENIZER_METRICS = ['tok_psnr_held_out', 'vae_psnr_held_out', 'tok_psnr_held_in', 'vae_psnr_held_in', 'code_usage', 'code_perplexity', 'held_out_images', 'held_in_images'] as const;

export type ArEvalOverrides = Partial<{ concepts: number; fidImages: number; timing: number; sampling: Partial<ArSampling> }>;

export const evaluate: EvalFn = (opts) => evaluateAr(opts);

export async function evaluateAr(opts: EvalOptions, overrides: ArEvalOverrides = {}): ReturnType<EvalFn> {
  const log = opts.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  const E = AR_EVAL;
  const cap = (x: number) => Math.min(x, opts.samples ?? Infinity);
  const concepts = overrides.concepts ?? cap(opts.quick ? QUICK.concepts : E.concepts);
  const fidImages = overrides.fidImages ?? opts.samples ?? (opts.quick ? QUICK.fidImages : E.fidImages);
  const timing = overrides.timing ?? cap(E.timing);
  const s: ArSampling = { ...E.sampling, ...overrides.sampling };

  const pack = await loadArPack(fileFetchBytes(opts.packDir), { who: 'the AR evaluation' });
  // The held-out numbers mean something only if the pack was trained without these concepts.
  const heldOut = readHoldout().concepts.map((c) => c.concept);
  const packHeld = new Set(pack.manifest.dataset.heldOutConcepts);
  const unlisted = heldOut.filter((c) => !packHeld.has(c));
  if (unlisted.length || packHeld.size !== heldOut.length)
    throw new Error(
      `the AR pack in ${opts.packDir} lists other held-out concepts than models/data/holdout.json ` +
        `(${unlisted.length ? `it lacks ${unlisted.slice(0, 3).join(', ')}${unlisted.length > 3 ? '…' : ''}` : `${packHeld.size} listed, ${heldOut.length} expected`}): its held-out images may have been trained on`,
    );
  if (!pack.evaluator) throw new Error('the AR pack was loaded without its evaluator');
  const session = { threads: opts.threads };
  const images = await ArImages.create(pack, { threads: opts.threads, batch: E.batch });
  const judge = await (opts.evaluatorDir
    ? loadJudge(opts.evaluatorDir, session)
    : ClipEmbedder.create(pack.evaluator.config, pack.evaluator.weights, { backend: nodeBackend, session }).then((clip) => ({ clip, tokenizer: images.captions }))
  ).catch(async (e: unknown) => {
    await images.release();
    throw e;
  });
  const { clip } = judge;
  const realPx = async (its: readonly EmojiItem[]) => pixelBatch(await loadPixels(its), its.map((_, i) => i)).data as Float32Array;
  const progress = (what: string, total: number) => (done: number) => log(`[ar] ${what}: ${done}/${total}`);

  try {
    const metrics: Record<string, number> = {};
    const train = loadEmojiDataset({ split: 'train' });
    if (2 * fidImages > train.length) throw new Error(`ar eval: ${fidImages} images per Fréchet set need ${2 * fidImages} real images (two disjoint sets); the training split has ${train.length}`);
    const order = shuffled(train.length, new Rng(E.seed));
    const fidItems = order.slice(0, fidImages).map((i) => train[i]);

    // 1. The tokenizer's round trip, held out and held in, and its code usage on the held-in grids.
    const allHeld = loadEmojiDataset({ split: 'holdout' });
    const held = spread(allHeld, cap(allHeld.length));
    log(`[ar] tokenizer round trip of ${held.length} held-out and ${fidItems.length} held-in images`);
    const out = await images.roundTrip(await loadPixels(held), held.map((_, i) => i));
    const inn = await images.roundTrip(await loadPixels(fidItems), fidItems.map((_, i) => i));
    const usage = codeUsage(inn.codes, pack.model.transformer.codebookSize);
    Object.assign(metrics, {
      tok_psnr_held_out: mean(psnrPerImage(out.tokens, out.input, out.n)),
      vae_psnr_held_out: mean(psnrPerImage(out.vae, out.input, out.n)),
      tok_psnr_held_in: mean(psnrPerImage(inn.tokens, inn.input, inn.n)),
      vae_psnr_held_in: mean(psnrPerImage(inn.vae, inn.input, inn.n)),
      code_usage: usage.usage,
      code_perplexity: usage.perplexity,
      held_out_images: out.n,
      held_in_images: inn.n,
    });

    // 2. Prompt fidelity on the evaluator's fixed held-in concepts, per core style.
    const set = retrievalSet(train, CORE_STYLES, concepts);
    for (const style of CORE_STYLES) {
      const chosen = set.byStyle[style];
      const gen = await images.generate(chosen.map((it) => it.caption), E.seed, s, progress(`${style} captions`, chosen.length));
      const r = await textToImageScores(clip, chosen.map((it) => judge.tokenizer.encode(it.caption).ids), gen, await realPx(chosen), TOP_K);
      Object.assign(metrics, { [`clipT_gen_${style}`]: r.clipTGenerated, [`clipT_real_${style}`]: r.clipTReal, [`top5_gen_${style}`]: r.topKGenerated, [`top5_real_${style}`]: r.topKReal });
    }
    for (const k of ['clipT', 'top5']) {
      for (const kind of ['gen', 'real']) metrics[`${k}_${kind}`] = mean(CORE_STYLES.map((st) => metrics[`${k}_${kind}_${st}`]));
      metrics[`${k}_ratio`] = metrics[`${k}_gen`] / metrics[`${k}_real`];
    }

    // 3. Fréchet distance of evaluator features: generated vs real, and two real sets (the floor).
    const gen = await images.generate(fidItems.map((it) => it.caption), E.seed + 100_000, s, progress('Fréchet set', fidImages));
    const features = async (px: Float32Array) => (await clip.embedImages(px, fidImages)).features;
    const real = await features(inn.input);
    metrics.fid = frechetDistance(await features(gen), real);
    metrics.fid_real_floor = frechetDistance(await features(await realPx(order.slice(fidImages, 2 * fidImages).map((i) => train[i]))), real);

    // 4. Sampling time with and without the key/value cache, on the same captions and seeds.
    const captions = fidItems.slice(0, timing).map((it) => it.caption);
    await images.warmUp(captions.length, s);
    const timed = async (cache: boolean) => {
      const t0 = performance.now();
      const tokens = await images.sampleTokens(captions, E.seed, s, cache);
      return { tokens, ms: (performance.now() - t0) / captions.length };
    };
    const [cached, full] = [await timed(true), await timed(false)];
    Object.assign(metrics, {
      ms_per_image_cache: cached.ms,
      ms_per_image_no_cache: full.ms,
      cache_speedup: full.ms / cached.ms,
      cache_agreement: cached.tokens.reduce((n, t, i) => n + (t === full.tokens[i] ? 1 : 0), 0) / cached.tokens.length,
    });

    // 5. Size: every weights file and the manifest, against the budget.
    const bytes = Object.values(pack.manifest.components).reduce((n, c) => n + c.bytes, 0) + statSync(join(opts.packDir, 'manifest.json')).size;
    Object.assign(metrics, { pack_mb: bytes / 1e6, pack_budget_mb: AR_PACK_BUDGET_BYTES / 1e6 });

    if (opts.docsDir) {
      const file = await writeArSheet(opts.docsDir, images, sheetItems(train, new Rng(E.seed + 7)), s, 0);
      log(`[ar] wrote ${file} (rows: prompts; the real image, then samples)`);
    }
    Object.assign(metrics, { samples: fidImages, concepts, guidance: s.guidance });
    if (opts.record) {
      const tokenizer = new Set<string>(TOKENIZER_METRICS);
      const part = (ofTokenizer: boolean) => Object.fromEntries(Object.entries(metrics).filter(([k]) => tokenizer.has(k) === ofTokenizer));
      recordMetrics(opts.packDir, 'imageTokenizer', part(true));
      recordMetrics(opts.packDir, 'transformer', part(false));
    }
    return {
      component: 'transformer',
      metrics,
      notes: {
        tok_psnr_held_out: `dB, image → VAE → tokens → VAE decoder, ${out.n} images of the held-out concepts`,
        vae_psnr_held_out: 'dB, the VAE alone on the same images (the ceiling)',
        tok_psnr_held_in: `dB, the same round trip on ${inn.n} held-in images`,
        code_usage: `share of the ${usage.codebookSize} codes the held-in grids use`,
        code_perplexity: 'exp(entropy) of their codes',
        clipT_ratio: `CLIP-T of generated / real images, ${concepts} concepts × ${CORE_STYLES.length} styles (target ≥ 0.5; the diffusion pack 0.55)`,
        top5_ratio: 'image→caption top-5 retrieval, generated / real',
        fid: `Fréchet distance of evaluator features, ${fidImages} generated vs real held-in images (guidance ${s.guidance}, temperature ${s.temperature}, top-k ${s.topK || 'off'}, top-p ${s.topP})`,
        fid_real_floor: 'the same distance between two disjoint real sets',
        ms_per_image_cache: `sampling one image's tokens, batch of ${captions.length}, with the key/value cache`,
        ms_per_image_no_cache: 'the same without it (a full pass per token)',
        cache_agreement: 'share of tokens both draw alike (same seeds)',
        pack_mb: `every file of the pack (budget ${AR_PACK_BUDGET_BYTES / 1e6} MB)`,
      },
    };
  } finally {
    await Promise.all([images.release(), clip.release()]);
  }
}

/** n items evenly spread over the list (every style in a small sample), or all of them. */
const spread = <T>(items: readonly T[], n: number): T[] => (n >= items.length ? [...items] : Array.from({ length: n }, (_, k) => items[Math.floor((k * items.length) / n)]));
