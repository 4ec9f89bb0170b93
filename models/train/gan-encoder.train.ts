// Trains the GAN family's image → W+ encoder (models/gan/encoder.ts) against a frozen generator:
// ReStyle passes over a pSp/e4e backbone, reconstruction loss (pixels + the evaluator's image
// embedding) on held-in emoji, plus a W+ loss on images the GAN generates from known codes.
// The generator comes from the emoji-gan pack when it exists, else from a GAN training checkpoint
// (--gan-checkpoint DIR, default <checkpoints>/gan); the evaluator from the emoji-diffusion pack.
// Resumable like every trainer here; the held-in and held-out reconstruction PSNR (from the mean
// code, after 1 pass and after all passes) is logged at every checkpoint. The encoder is written
// as encoder.safetensors into the GAN pack (or into the run folder when the generator came from
// a checkpoint) and its manifest entry is returned and saved beside the checkpoint.
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { dirname, join } from 'node:path';
import { f32, readSafetensors, type Tensor, warmupCosine, writeSafetensors } from '../../ml/index.ts';
import { nodeBackend } from '../../ml/session/node.ts';
import { CORE_STYLES, type EmojiItem } from '../data/catalog.ts';
import { loadEmojiDataset } from '../data/emoji.ts';
import { loadPixels, type PixelStore, pixelBatch } from '../data/pixels.ts';
import { psnrPerImage } from '../eval/image-metrics.ts';
import { CLIP_KIND, clipWeightShapes, configFromArchitecture } from '../evaluator/architecture.ts';
import { buildTrainingGraph } from '../evaluator/clip.ts';
import { type ClipConfig, clipConfig } from '../evaluator/config.ts';
import { ClipEmbedder } from '../evaluator/embed.ts';
import { ganConfigSchema } from '../gan/config.ts';
import { encoderConfigFor, type GanEncoderConfig } from '../gan/encoder.ts';
import { type EncoderHyper, EncoderTrainer } from '../gan/encoder-train-step.ts';
import { generatorGraph, W_AVG } from '../gan/graphs.ts';
import { DEFAULT_RECONSTRUCTION } from '../gan/perceptual.ts';
import { loadPack } from '../pack/load.ts';
import { EMOJI_PACK_DIR, fileFetchBytes } from '../pack/write.ts';
import { EpochSampler, stepRng } from './batches.ts';
import { hasCheckpoint, saveCheckpoint } from './checkpoint.ts';
import { exportGanEncoder } from './gan-encoder-export.ts';
import { type GanSource, ganFromCheckpoint, ganFromPack, hasGanPack } from './gan-source.ts';
import { LOSS_LOG, startRun } from './loop.ts';
import type { TrainFn, TrainOptions } from './options.ts';
import { Ema, ProgressReporter } from './progress.ts';

/** The GAN pack's folder in the repository (beside the diffusion pack). */
export const GAN_PACK_DIR = join(dirname(EMOJI_PACK_DIR), 'emoji-gan');

export const GAN_ENCODER_DEFAULTS = {
  // Sized for 20 minutes of one core: 0.56 s a step at batch 16 measured on one thread (2.5 M
  // encoder weights; the frozen 0.8 M-weight generator and the evaluator's image tower run in
  // every step but are not trained), plus about 30 s to embed the training images once.
  steps: 2000,
  batch: 16,
  /** A quarter of each batch is generated from a known code (the W+ loss). */
  syntheticShare: 0.25,
  passes: 3,
  lr: 1e-3,
  warmup: 100,
  minLrRatio: 0.1,
  loss: { reconstruction: DEFAULT_RECONSTRUCTION, latent: 1, deltaReg: 0.01 },
  checkpointEvery: 200,
  seed: 0,
  encoder: {} as Partial<GanEncoderConfig>,
};

const SMOKE = {
  steps: 4,
  batch: 4,
  images: 8,
  checkpointEvery: 2,
  gan: { resolution: 64, zDim: 8, wDim: 16, mappingLayers: 2, classes: 3, channels: [16, 16, 8, 8, 8], dChannels: [8, 8, 8, 16, 16] },
  encoder: { channels: [8, 8, 16, 16], groups: 4, squeeze: [4, 4, 2], hidden: 16 },
  evaluator: { imageSize: 64, channels: [4, 8], blocks: [0, 1], groups: 2, embedDim: 8, vocabSize: 10, maxLength: 4, padId: 0, textDim: 8, textLayers: 1, textHeads: 2 },
};

interface Evaluator {
  config: ClipConfig;
  weights: Record<string, Tensor>;
  /** sha256 of the weights file (keys the embedding cache). */
  sha256: string;
}

/** A random tiny generator and evaluator: a smoke run proves the pipeline without trained models. */
function smokeModels(): { gan: GanSource; evaluator: Evaluator } {
  const config = ganConfigSchema.parse(SMOKE.gan);
  const weights = { ...generatorGraph(config, 1, { space: 'w+' }).p.initial(), [W_AVG]: f32([config.wDim]) };
  const ev = clipConfig(SMOKE.evaluator);
  return {
    gan: { config, weights, description: 'random tiny generator (smoke run)', fingerprint: 'smoke' },
    evaluator: { config: ev, weights: buildTrainingGraph(ev, 1, 5).params.initial(), sha256: 'smoke' },
  };
}

/** The generator: --gan-checkpoint if given, else the GAN pack, else the GAN trainer's own checkpoint. */
function ganSource(opts: TrainOptions, packDir: string): { gan: GanSource; fromPack: boolean } {
  if (opts.ganCheckpoint) return { gan: ganFromCheckpoint(opts.ganCheckpoint), fromPack: false };
  if (hasGanPack(packDir)) return { gan: ganFromPack(packDir), fromPack: true };
  const own = join(opts.checkpoints, 'gan');
  if (hasCheckpoint(own)) return { gan: ganFromCheckpoint(own), fromPack: false };
  throw new Error(`no generator to train the encoder against: ${packDir} has no GAN pack and ${own} no GAN checkpoint (train one with npm run train -- gan, or pass --gan-checkpoint DIR)`);
}

async function packEvaluator(dir: string): Promise<Evaluator> {
  const pack = await loadPack(fileFetchBytes(dir), { architectures: { [CLIP_KIND]: clipWeightShapes }, components: ['evaluator'] });
  const entry = pack.manifest.components.evaluator!;
  return { config: configFromArchitecture(entry.architecture), weights: pack.weights.evaluator!, sha256: entry.sha256 };
}

/**
 * The evaluator's normalized embedding of every training image (the perceptual term's targets),
 * computed once and cached in the run folder under a key of the evaluator and the image list.
 */
async function targetEmbeddings(items: readonly EmojiItem[], store: PixelStore, ev: Evaluator, file: string | null, threads: number, log: (s: string) => void): Promise<Float32Array> {
  const key = createHash('sha256').update(ev.sha256).update(items.map((it) => `${it.style}/${it.id}`).join('\n')).digest('hex');
  if (file && existsSync(file)) {
    const { tensors, metadata } = readSafetensors(new Uint8Array(readFileSync(file)));
    if (metadata.key === key) return tensors.embedding.data as Float32Array;
  }
  const embedder = await ClipEmbedder.create(ev.config, ev.weights, { backend: nodeBackend, batch: 64, session: { threads } });
  const E = ev.config.embedDim;
  const out = new Float32Array(items.length * E);
  try {
    const CHUNK = 512;
    for (let s = 0; s < items.length; s += CHUNK) {
      const idx = Array.from({ length: Math.min(CHUNK, items.length - s) }, (_, k) => s + k);
      const { embedding } = await embedder.embedImages(pixelBatch(store, idx).data as Float32Array, idx.length);
      out.set(embedding.data, s * E);
      if (items.length > CHUNK) log(`[gan-encoder] target embeddings ${s + idx.length}/${items.length}`);
    }
  } finally {
    await embedder.release();
  }
  if (file) writeFileSync(file, writeSafetensors({ embedding: f32([items.length, E], out) }, { key }));
  return out;
}

/** n evenly spaced indices of 0 … size−1. */
const spaced = (size: number, n: number) => Array.from({ length: Math.min(n, size) }, (_, k) => Math.floor(((k + 0.5) * size) / Math.min(n, size)));

export const train: TrainFn = async (opts) => {
  const log = opts.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  const D = GAN_ENCODER_DEFAULTS;
  const steps = opts.steps ?? (opts.smoke ? SMOKE.steps : D.steps);
  const batch = opts.batch ?? (opts.smoke ? SMOKE.batch : D.batch);
  if (batch < 2) throw new Error('gan-encoder: a batch needs at least 2 images (real and generated)');
  const lr = opts.lr ?? D.lr;
  const seed = D.seed;

  // The generator's pack folder: --out when given, the repository's emoji-gan pack by default.
  const packDir = opts.out === EMOJI_PACK_DIR ? GAN_PACK_DIR : opts.out;
  const smoke = opts.smoke ? smokeModels() : null;
  const { gan, fromPack } = smoke ? { gan: smoke.gan, fromPack: false } : ganSource(opts, packDir);
  const ev = smoke ? smoke.evaluator : await packEvaluator(EMOJI_PACK_DIR);
  if (ev.config.imageSize !== gan.config.resolution) throw new Error(`gan-encoder: the evaluator reads ${ev.config.imageSize} px images, the generator makes ${gan.config.resolution} px`);

  let items = loadEmojiDataset({ split: 'train', ...(opts.smoke ? { styles: CORE_STYLES } : {}) });
  let heldOut = loadEmojiDataset({ split: 'holdout', ...(opts.smoke ? { styles: CORE_STYLES } : {}) });
  if (opts.smoke) [items, heldOut] = [items.slice(0, SMOKE.images), heldOut.slice(0, batch)];
  const store = await loadPixels(items);
  const heldOutStore = await loadPixels(heldOut);

  const encoderConfig = encoderConfigFor(gan.config, opts.smoke ? SMOKE.encoder : D.encoder);
  const hyper: EncoderHyper = { batch, synthetic: Math.max(1, Math.round(batch * D.syntheticShare)), passes: D.passes, lr, loss: D.loss };
  const settings = {
    encoder: encoderConfig,
    gan: { config: gan.config, fingerprint: gan.fingerprint },
    evaluator: ev.sha256,
    hyper,
    warmup: D.warmup,
    minLrRatio: D.minLrRatio,
    steps,
    images: items.length,
    smoke: opts.smoke,
  };
  const run = startRun('gan-encoder', opts, settings);
  log(`[gan-encoder] generator: ${gan.description}; ${items.length} training images`);
  const embeddings = await targetEmbeddings(items, store, ev, opts.smoke ? null : join(run.dir, 'target-embeddings.safetensors'), opts.threads, log);

  const trainer = await EncoderTrainer.create({
    encoderConfig,
    ganConfig: gan.config,
    generatorWeights: gan.weights,
    evaluatorConfig: ev.config,
    evaluatorWeights: ev.weights,
    hyper,
    backend: nodeBackend,
    threads: opts.threads,
    params: run.checkpoint?.params,
    seed,
  });
  if (run.checkpoint) trainer.load(run.checkpoint.optimizer);
  log(`[gan-encoder] ${trainer.names.reduce((s, n) => s + trainer.params[n].data.length, 0)} encoder weights; batch ${batch} (${hyper.synthetic} generated), ${hyper.passes} passes`);

  // Fixed evaluation images: one batch of held-in and one of held-out emoji, evenly spaced.
  const evalSets = [
    { name: 'heldin', target: pixelBatch(store, spaced(items.length, batch)) },
    ...(heldOut.length >= batch ? [{ name: 'heldout', target: pixelBatch(heldOutStore, spaced(heldOut.length, batch)) }] : []),
  ];
  const evaluate = async (): Promise<Record<string, number>> => {
    const out: Record<string, number> = {};
    const mean = (v: number[]) => +(v.reduce((a, b) => a + b, 0) / v.length).toFixed(3);
    const t = (x: Tensor) => x.data as Float32Array;
    for (const s of evalSets) {
      const states = await trainer.run(s.target, hyper.passes);
      out[`psnr_${s.name}_start`] = mean(psnrPerImage(t(trainer.start().image), t(s.target), batch));
      out[`psnr_${s.name}_1`] = mean(psnrPerImage(t(states[0].image), t(s.target), batch));
      out[`psnr_${s.name}_${hyper.passes}`] = mean(psnrPerImage(t(states[hyper.passes - 1].image), t(s.target), batch));
    }
    return out;
  };

  const br = batch - hyper.synthetic;
  const E = ev.config.embedDim;
  const sampler = new EpochSampler(items.length, br, seed);
  const schedule = warmupCosine(lr, Math.min(D.warmup, Math.floor(steps / 10)), steps, lr * D.minLrRatio);
  const prior = run.checkpoint?.state;
  let step = prior?.step ?? 0;
  const lossEma = new Ema(0.98, prior?.lossEma ?? null);
  const t0 = performance.now();
  const wall = () => (prior?.wallTimeSeconds ?? 0) + (performance.now() - t0) / 1000;
  const progress = new ProgressReporter(log, opts.smoke ? 0 : 10_000);
  const logFile = join(run.dir, LOSS_LOG);
  const checkpointEvery = opts.checkpointEvery ?? (opts.smoke ? SMOKE.checkpointEvery : D.checkpointEvery);
  let metrics: Record<string, number> = {};
  const checkpoint = async () => {
    saveCheckpoint(run.dir, {
      state: { model: 'gan-encoder', step, totalSteps: steps, seed, wallTimeSeconds: wall(), lossEma: lossEma.value, settings, savedAt: new Date().toISOString() },
      params: trainer.params,
      optimizer: trainer.state(),
    });
    metrics = await evaluate();
    appendFileSync(logFile, `${JSON.stringify({ step, checkpoint: true, wallTimeSeconds: +wall().toFixed(1), ...metrics })}\n`);
    log(`[gan-encoder] step ${step}: PSNR ${Object.entries(metrics).map(([k, v]) => `${k.slice(5)} ${v.toFixed(2)}`).join(', ')} dB`);
  };

  log(`[gan-encoder] ${prior ? `resuming at step ${step}` : 'starting'} of ${steps}; checkpoints in ${run.dir}`);
  try {
    while (step < steps && !opts.signal?.aborted) {
      const idx = sampler.indices(step);
      const emb = new Float32Array(br * E);
      idx.forEach((i, k) => emb.set(embeddings.subarray(i * E, (i + 1) * E), k * E));
      trainer.optimizer.lr = schedule(step);
      const s = await trainer.step(pixelBatch(store, idx), f32([br, E], emb), stepRng(seed, step, 13));
      step++;
      lossEma.push(s.loss);
      appendFileSync(logFile, `${JSON.stringify({ step, ...s, lr: trainer.optimizer.lr, t: +wall().toFixed(2) })}\n`);
      progress.update({ model: 'gan-encoder', step, total: steps, lossEma: lossEma.value });
      if (step % checkpointEvery === 0 || step === steps) await checkpoint();
    }
    const interrupted = step < steps;
    if (interrupted) {
      await checkpoint();
      log(`[gan-encoder] stopped at step ${step}; checkpoint written, continue with --resume`);
    }
    const result = { step, totalSteps: steps, interrupted, recentLoss: lossEma.value ?? NaN, wallTimeSeconds: wall() };
    if (interrupted || opts.noExport) return result;
    // Into the GAN pack only when the generator came from it: an encoder belongs to one generator.
    const dir = fromPack ? packDir : join(run.dir, 'export');
    const exported = await exportGanEncoder({
      dir,
      config: encoderConfig,
      weights: trainer.params,
      metrics,
      recipe: {
        steps: result.step,
        batch,
        lr,
        optimizer: `Adam (β 0.9/0.999), ${D.warmup}-step warmup, cosine to ${lr * D.minLrRatio}`,
        wallTimeSeconds: Math.round(result.wallTimeSeconds),
        threads: opts.threads,
        data: `emoji train split, ${items.length} images, plus ${hyper.synthetic} of every ${batch} generated by the GAN from a known code`,
        seed,
        notes:
          `ReStyle (${hyper.passes} passes; each step refines after 0–${hyper.passes - 1} earlier passes run without gradient), pSp feature pyramid, e4e base w + per-entry deltas; ` +
          `loss: pixel MSE ×${hyper.loss.reconstruction.pixel} + (1 − cos evaluator embedding) ×${hyper.loss.reconstruction.perceptual}, W+ MSE ×${hyper.loss.latent} on generated images, mean squared per-entry delta ×${hyper.loss.deltaReg}; ` +
          `generator at the fixed noise: ${gan.description}; metrics: PSNR (dB) on ${batch} held-in / held-out images from the mean code, after 1 pass and after ${hyper.passes}`,
      },
    });
    writeFileSync(join(run.dir, 'encoder-entry.json'), `${JSON.stringify(exported, null, 2)}\n`);
    log(`[gan-encoder] exported ${exported.weights} to ${dir}; its manifest entry is in ${join(run.dir, 'encoder-entry.json')}`);
    return { ...result, exported };
  } finally {
    await trainer.release();
  }
};
