// Trains the pack's evaluator (models/evaluator/: a small CLIP) on the held-in emoji images of every
// style with the symmetric InfoNCE loss: AdamW, warmup + cosine lr, light augmentation. At each
// checkpoint it measures image→caption retrieval on the fixed 200-concept set (drawn among the
// concepts of the two core styles, so the figures stay comparable with earlier evaluators), and on
// the same concepts in each other style that draws them; at the end it exports the weights
// (float16) and the manifest entry. The evaluator only measures generators; nothing trains against it.
import { AdamW, i64, Rng, type Tensor, Trainer, warmupCosine } from '../../ml/index.ts';
import { nodeBackend } from '../../ml/session/node.ts';
import { type EmojiItem, CORE_STYLES, STYLES } from '../data/catalog.ts';
import { loadEmojiDataset } from '../data/emoji.ts';
import { IMAGE_SIZE, loadPixels, pixelBatch, type PixelStore } from '../data/pixels.ts';
import { clipArchitecture } from '../evaluator/architecture.ts';
import { augmentBatch, DEFAULT_AUGMENT } from '../evaluator/augment.ts';
import { ConceptBatches, mix } from '../evaluator/batches.ts';
import { buildTrainingGraph, IO } from '../evaluator/clip.ts';
import { type ClipConfig, clipConfig } from '../evaluator/config.ts';
import { ClipEmbedder } from '../evaluator/embed.ts';
import { evaluateRetrievalSets } from '../evaluator/evaluate.ts';
import { RETRIEVAL_CONCEPTS, type RetrievalSets, retrievalSets } from '../evaluator/retrieval-set.ts';
import { emojiPackBase } from '../pack/emoji-pack.ts';
import { exportComponent } from '../pack/write.ts';
import { emojiTokenizer } from '../text/emoji-vocab.ts';
import { PAD_ID, type Tokenizer } from '../text/tokenizer.ts';
import { startRun, trainLoop } from './loop.ts';
import { runShape, type TrainFn } from './options.ts';

export const EVALUATOR_DEFAULTS = { steps: 1000, batch: 128, lr: 1e-3, warmup: 100, minLrRatio: 0.02, weightDecay: 0.05, checkpointEvery: 250, seed: 0 };
// Smoke runs warm up for only 4 steps, too short for 1e-3 (the embeddings collapse), hence a lower lr.
const SMOKE = { steps: 40, batch: 4, lr: 3e-4, concepts: 8, checkpointEvery: 10 };

export function evaluatorConfig(tokenizer: Tokenizer): ClipConfig {
  return clipConfig({ vocabSize: tokenizer.vocabSize, maxLength: tokenizer.maxLength, padId: PAD_ID });
}

/** Everything a resumed run must share with the checkpoint it continues. */
export function evaluatorSettings(config: ClipConfig, o: { batch: number; lr: number; steps: number; smoke: boolean }) {
  const warmup = Math.min(EVALUATOR_DEFAULTS.warmup, Math.floor(o.steps / 10));
  return { config, augment: DEFAULT_AUGMENT, batch: o.batch, lr: o.lr, warmup, minLr: o.lr * EVALUATOR_DEFAULTS.minLrRatio, weightDecay: EVALUATOR_DEFAULTS.weightDecay, steps: o.steps, smoke: o.smoke };
}

export type EvaluatorRetrievalSets = RetrievalSets<EmojiItem>;

/** The retrieval sets of a training run: the core set every evaluator so far was scored on, and the other styles' share of it. */
export const evaluatorRetrievalSets = (items: readonly EmojiItem[], count: number): EvaluatorRetrievalSets => retrievalSets(items, CORE_STYLES, STYLES, count);

/** Image→caption retrieval (and the other evaluate.ts figures) of weights on the fixed sets. */
export async function retrievalMetrics(
  config: ClipConfig,
  weights: Record<string, Tensor>,
  sets: EvaluatorRetrievalSets,
  store: PixelStore,
  tokenizer: Tokenizer,
  threads: number,
): Promise<Record<string, number>> {
  const index = new Map(store.items.map((it, i) => [it.id, i]));
  const embedder = await ClipEmbedder.create(config, weights, { backend: nodeBackend, session: { threads } });
  const inputs = {
    pixels: (its: readonly EmojiItem[]) => pixelBatch(store, its.map((it) => index.get(it.id)!)).data as Float32Array,
    encode: (c: string) => tokenizer.encode(c).ids,
  };
  try {
    return await evaluateRetrievalSets(embedder, sets, inputs);
  } finally {
    await embedder.release();
  }
}

export const train: TrainFn = async (opts) => {
  const log = opts.log ?? ((l: string) => console.error(l));
  const tokenizer = emojiTokenizer();
  const config = evaluatorConfig(tokenizer);
  const { steps, batch, lr } = runShape(opts, EVALUATOR_DEFAULTS, SMOKE);
  const seed = EVALUATOR_DEFAULTS.seed;
  const settings = evaluatorSettings(config, { batch, lr, steps, smoke: opts.smoke });
  const run = startRun('evaluator', opts, settings);

  // A smoke run keeps to the two sets that draw every concept, so its few steps show a clear fall.
  let items = loadEmojiDataset({ split: 'train', ...(opts.smoke ? { styles: CORE_STYLES } : {}) });
  if (opts.smoke) {
    const keep = new Set([...new Set(items.map((it) => it.concept))].slice(0, SMOKE.concepts));
    items = items.filter((it) => keep.has(it.concept));
  }
  const store = await loadPixels(items);
  const ids = items.map((it) => tokenizer.encode(it.caption).ids);
  const batches = new ConceptBatches(items, batch, seed);
  const sets = evaluatorRetrievalSets(items, Math.min(RETRIEVAL_CONCEPTS, batches.groups.length));
  const styles = [...new Set(items.map((it) => it.style))];

  const { graph, params } = buildTrainingGraph(config, batch, seed);
  const optimizer = new AdamW({ lr, weightDecay: settings.weightDecay });
  if (run.checkpoint) optimizer.load(run.checkpoint.optimizer);
  const trainer = await Trainer.create({
    graph,
    loss: IO.loss,
    trainable: params.names(),
    params: run.checkpoint?.params ?? params.initial(),
    optimizer,
    backend: nodeBackend,
    session: { threads: opts.threads },
  });
  try {
    const result = await trainLoop({
      model: 'evaluator',
      run,
      trainer,
      optimizer,
      schedule: warmupCosine(lr, settings.warmup, steps, settings.minLr),
      totalSteps: steps,
      seed,
      settings,
      batch: (step) => {
        const idx = batches.at(step);
        const images = pixelBatch(store, idx);
        // Augmentation draws are a pure function of (seed, step), like the batch itself.
        augmentBatch(images.data as Float32Array, idx.length, IMAGE_SIZE, new Rng(mix(seed, step, 2)));
        return { [IO.image]: images, [IO.ids]: i64([idx.length, config.maxLength], idx.flatMap((i) => ids[i])) };
      },
      checkpointEvery: opts.checkpointEvery ?? (opts.smoke ? SMOKE.checkpointEvery : EVALUATOR_DEFAULTS.checkpointEvery),
      opts,
      evaluate: (t) => retrievalMetrics(config, t.params, sets, store, tokenizer, opts.threads),
    });
    if (result.interrupted || opts.noExport) return result;
    const metrics = await retrievalMetrics(config, trainer.params, sets, store, tokenizer, opts.threads);
    const exported = await exportComponent({
      dir: opts.out,
      component: 'evaluator',
      tensors: trainer.params,
      architecture: clipArchitecture(config),
      dtype: 'float16',
      base: emojiPackBase,
      // The text tower reads this vocabulary: the pack's tokenizer must be it (the denoiser's export
      // writes the same one, both being built from the training captions).
      patch: (m) => {
        m.tokenizer = tokenizer.config;
      },
      recipe: {
        steps,
        batch,
        lr,
        optimizer: `AdamW (β 0.9/0.999, weight decay ${settings.weightDecay}), ${settings.warmup}-step warmup, cosine to ${settings.minLr}`,
        wallTimeSeconds: Math.round(result.wallTimeSeconds),
        threads: opts.threads,
        data: `emoji train split, ${styles.length} styles (${styles.join(', ')}), ${items.length} images of ${batches.groups.length} concepts with their captions`,
        seed,
        notes:
          'symmetric InfoNCE over B×B logits with a learned logit scale (init 1/0.07, cap 100); each batch holds distinct concepts ' +
          '(a concept, then its base image in any style half the time, else any of its images); augmentation: scale 0.85–1.05, ±8°, ±4 px ' +
          `shift on white, 20% 3×3 blur, 20% Gaussian noise σ ≤ 0.1, no flips, no colour jitter; metrics on the fixed ${sets.core.concepts.length}-concept ` +
          `retrieval set of ${CORE_STYLES.join(' and ')} (raw cosines, not ×100), and on its concepts that ` +
          `${Object.entries(sets.other).map(([s, its]) => `${s} draws (${its.length})`).join(', ') || 'no other style draws'}, each among its own captions; ` +
          'models/eval/evaluator.eval.ts re-measures the core figures on the shipped float16 weights',
      },
      metrics,
    });
    log(`[evaluator] exported ${exported.weights} (${(exported.bytes / 1e6).toFixed(2)} MB) to ${opts.out}`);
    return { ...result, exported };
  } finally {
    await trainer.release();
  }
};
