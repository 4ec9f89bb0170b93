// Trains the GAN family's generator (models/gan/) on the held-in emoji of every style, conditioned
// on the emoji's sub-category: StyleGAN2's losses and schedule (non-saturating logistic loss, lazy
// R1, Adam β1 0 / β2 0.99, generator EMA) with DiffAugment, which small datasets need. Resumable
// like every trainer here: weights, both optimizers, the EMA and w_avg go into the checkpoint, and
// every random draw is a pure function of (seed, step). The checkpoint holds the generator's EMA
// and the class list (in its settings); a finished run exports them as the emoji-gan pack
// (gan-export.ts), and `--export-only` does that for the checkpoint as it stands.
import { appendFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { f32, type Tensor } from '../../ml/index.ts';
import { nodeBackend } from '../../ml/session/node.ts';
import { loadEmojiDataset } from '../data/emoji.ts';
import { loadPixels, pixelBatch } from '../data/pixels.ts';
import { CORE_STYLES } from '../data/catalog.ts';
import { type GanConfig, ganConfigSchema } from '../gan/config.ts';
import { W_AVG } from '../gan/graphs.ts';
import { GanSampler } from '../gan/sampler.ts';
import { GanTrainer, type GanHyper } from '../gan/train-step.ts';
import { gridPng } from '../eval/png-grid.ts';
import { EpochSampler, stepRng } from './batches.ts';
import { saveCheckpoint } from './checkpoint.ts';
import { exportGanPack } from './gan-export.ts';
import { LOSS_LOG, startRun } from './loop.ts';
import type { ExportOnlyFn, TrainFn, TrainOptions } from './options.ts';
import { Ema, ProgressReporter } from './progress.ts';

/** The fixed-seed sample sheet each checkpoint rewrites in the run folder. */
export const SAMPLES_SHEET = 'samples.png';

export const GAN_DEFAULTS = {
  steps: 5200,
  batch: 16,
  lr: 0.0025,
  r1Gamma: 0.2,
  r1Interval: 16,
  emaHalfLifeImages: 5000,
  checkpointEvery: 200,
  seed: 0,
  // Sized for 90 minutes of one core: about 1 s an iteration at batch 16 (5,200 of them) (G 0.8 M, D 0.9 M weights).
  config: { resolution: 64, zDim: 128, wDim: 128, mappingLayers: 4, channels: [128, 128, 64, 32, 16], dChannels: [16, 32, 64, 128, 128] },
};

const SMOKE = { steps: 4, batch: 4, images: 8, checkpointEvery: 2, config: { resolution: 64, zDim: 8, wDim: 16, mappingLayers: 2, channels: [16, 16, 8, 8, 8], dChannels: [8, 8, 8, 16, 16] } };

/** Every sub-category present in the training items, sorted: the class list a pack records. */
export function subcategories(items: readonly { subcategory: string }[]): string[] {
  return [...new Set(items.map((it) => it.subcategory))].sort();
}

function oneHot(indices: readonly number[], classes: readonly number[], n: number): Tensor {
  const t = f32([indices.length, n]);
  indices.forEach((idx, k) => ((t.data as Float32Array)[k * n + classes[idx]] = 1));
  return t;
}

export const train: TrainFn = async (opts) => {
  const log = opts.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  const D = GAN_DEFAULTS;
  const steps = opts.steps ?? (opts.smoke ? SMOKE.steps : D.steps);
  const batch = opts.batch ?? (opts.smoke ? SMOKE.batch : D.batch);
  const lr = opts.lr ?? D.lr;
  const seed = D.seed;

  let items = loadEmojiDataset({ split: 'train', ...(opts.smoke ? { styles: CORE_STYLES } : {}) });
  if (opts.smoke) items = items.slice(0, SMOKE.images);
  const classNames = subcategories(items);
  const classOf = items.map((it) => classNames.indexOf(it.subcategory));
  const store = await loadPixels(items);
  const config: GanConfig = ganConfigSchema.parse({ ...(opts.smoke ? SMOKE.config : D.config), classes: classNames.length });
  const hyper: GanHyper = { batch, lr, r1Gamma: D.r1Gamma, r1Interval: D.r1Interval, emaHalfLifeImages: D.emaHalfLifeImages };
  const settings = { config, hyper, steps, classes: classNames, images: items.length, smoke: opts.smoke };
  const run = startRun('gan', opts, settings);

  const trainer = await GanTrainer.create({ config, hyper, backend: nodeBackend, threads: opts.threads, params: run.checkpoint?.params, seed });
  if (run.checkpoint) trainer.load(run.checkpoint.optimizer);
  log(`[gan] generator ${trainer.gNames.reduce((s, n) => s + trainer.params[n].data.length, 0)} weights, discriminator ${trainer.dNames.reduce((s, n) => s + trainer.params[n].data.length, 0)}; ${items.length} images, ${classNames.length} sub-categories`);

  const sampler = new EpochSampler(items.length, batch, seed);
  const prior = run.checkpoint?.state;
  let step = prior?.step ?? 0;
  const lossEma = new Ema(0.98, prior?.lossEma ?? null);
  const t0 = performance.now();
  const wall = () => (prior?.wallTimeSeconds ?? 0) + (performance.now() - t0) / 1000;
  const progress = new ProgressReporter(log, opts.smoke ? 0 : 10_000);
  const logFile = join(run.dir, LOSS_LOG);
  const checkpointEvery = opts.checkpointEvery ?? (opts.smoke ? SMOKE.checkpointEvery : D.checkpointEvery);
  const checkpoint = () =>
    saveCheckpoint(run.dir, {
      state: { model: 'gan', step, totalSteps: steps, seed, wallTimeSeconds: wall(), lossEma: lossEma.value, settings, savedAt: new Date().toISOString() },
      params: trainer.params,
      optimizer: trainer.state(),
    });

  // A fixed-seed sheet of the EMA generator at every checkpoint, to watch it learn (rows of
  // sub-categories; the same seeds each time). Its tensors share the EMA's arrays, updated in place.
  const emaWeights = Object.fromEntries(Object.entries(trainer.ema).map(([n, a]) => [n, { dtype: 'float32' as const, shape: n === W_AVG ? [config.wDim] : trainer.params[n].shape, data: a }]));
  const sheet = await GanSampler.create(config, emaWeights, { backend: nodeBackend, session: { threads: opts.threads }, batch: 8 });
  const sheetClasses = Array.from({ length: 4 }, (_, r) => Math.floor((r * classNames.length) / 4));
  const writeSamples = async () => {
    const requests = sheetClasses.flatMap((cls) => Array.from({ length: 8 }, (_, k) => ({ seed: 1000 + k, cls })));
    writeFileSync(join(run.dir, SAMPLES_SHEET), gridPng(await sheet.render(requests), requests.length, config.resolution, 8));
  };

  log(`[gan] ${prior ? `resuming at step ${step}` : 'starting'} of ${steps}; checkpoints in ${run.dir} (samples in ${SAMPLES_SHEET} there)`);
  try {
    while (step < steps && !opts.signal?.aborted) {
      const idx = sampler.indices(step);
      const s = await trainer.step(pixelBatch(store, idx), oneHot(idx, classOf, classNames.length), stepRng(seed, step, 11));
      step++;
      // The progress line follows the generator's loss; the log keeps every number.
      lossEma.push(s.gLoss);
      appendFileSync(logFile, `${JSON.stringify({ step, ...s, t: +wall().toFixed(2) })}\n`);
      progress.update({ model: 'gan', step, total: steps, lossEma: lossEma.value });
      if (step % checkpointEvery === 0 || step === steps) {
        checkpoint();
        await writeSamples();
      }
    }
    const interrupted = step < steps;
    if (interrupted) {
      checkpoint();
      log(`[gan] stopped at step ${step}; checkpoint written, continue with --resume`);
    }
    const result = { step, totalSteps: steps, interrupted, recentLoss: lossEma.value ?? NaN, wallTimeSeconds: wall() };
    if (interrupted || opts.noExport) return result;
    return { ...result, exported: (await exportPack(run.dir, opts, log)).generator };
  } finally {
    await trainer.release();
    await sheet.release();
  }
};

/** The pack from the checkpoint in `dir` (the one just written, at the end of a run), with the encoder run's encoder when it fits. */
async function exportPack(dir: string, opts: TrainOptions, log: (l: string) => void) {
  const e = await exportGanPack({ checkpointDir: dir, dir: opts.out, threads: opts.threads, encoderRun: join(opts.checkpoints, 'gan-encoder') });
  for (const n of e.notes) log(`[gan] ${n}`);
  log(`[gan] exported ${e.generator.weights} (${e.generator.dtype}, step ${e.state.step}) to ${opts.out}; the pack is ${(e.packBytes / 1e6).toFixed(1)} MB`);
  return e;
}

/** `npm run train -- gan --export-only`: the pack from the checkpoint as it stands, finished or not. */
export const exportOnly: ExportOnlyFn = async (opts) => {
  const log = opts.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  const { state, generator } = await exportPack(join(opts.checkpoints, 'gan'), opts, log);
  return { step: state.step, totalSteps: state.totalSteps, interrupted: false, recentLoss: state.lossEma ?? NaN, wallTimeSeconds: state.wallTimeSeconds, exported: generator };
};
