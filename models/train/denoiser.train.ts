// Latent-diffusion training of the text encoder and the UNet, jointly: held-in emoji of both
// styles, encoded once by the pack's trained VAE (latents.ts); per step a fresh latent draw, a
// uniform random timestep, Gaussian noise, 10% of captions dropped to the empty prompt (so the one
// model also predicts unconditionally: classifier-free guidance), MSE on ε with min-SNR weights. AdamW with warmup +
// cosine, global-norm clipping, and an EMA of the weights, which is what gets exported.
import { f32, i64, type Tensor, Trainer, warmupCosine } from '../../ml/index.ts';
import { nodeBackend } from '../../ml/session/node.ts';
import { type DiffusionConfig, diffusionConfigSchema, trainingGraph } from '../diffusion/graphs.ts';
import { addNoise, alphaBar, noiseSchedule } from '../diffusion/schedule.ts';
import { EpochSampler, stepRng } from './batches.ts';
import { denoiserData, type DenoiserData } from './denoiser-data.ts';
import { exportDenoiser } from './denoiser-export.ts';
import { EmaOptimizer } from './ema-optimizer.ts';
import { startRun, trainLoop } from './loop.ts';
import type { TrainFn } from './options.ts';

/**
 * Sized for the pack's budget (≤ ~75 min of one core): measured ~0.55 s/step at batch 32 on one
 * onnxruntime thread on an otherwise quiet 2-core machine (3.6 M UNet + 0.8 M text-encoder weights),
 * so 7,000 steps (224k examples, ~30 epochs) take ~65 min. On a busy machine keep --threads 1:
 * with other jobs running, two onnxruntime threads measured 3.3 s/step against 1.2 s/step for one.
 */
export const DENOISER_DEFAULTS = {
  steps: 7000,
  batch: 32,
  lr: 4e-4,
  warmup: 300,
  minLrRatio: 0.1,
  weightDecay: 0.01,
  clipNorm: 1,
  captionDropout: 0.1,
  /**
   * Min-SNR-γ loss weighting (Hang et al. 2023): an example at timestep t weighs min(SNR_t, γ)/SNR_t,
   * so the many nearly-clean timesteps stop dominating the gradient; reported to converge ~3× faster.
   */
  minSnrGamma: 5,
  emaDecay: 0.999,
  checkpointEvery: 250,
  /** Export the EMA weights into the pack every this many steps, so evaluation can start early. */
  exportEvery: 1000,
  seed: 0,
  text: { dim: 128, layers: 3, heads: 4 },
  unet: { channels: [48, 96, 96], attention: [false, true, true], groups: 16 },
  schedule: { kind: 'scaled-linear', steps: 1000, betaStart: 0.00085, betaEnd: 0.012 },
} as const;

const SMOKE = {
  steps: 60,
  batch: 8,
  lr: 2e-3,
  warmup: 5,
  checkpointEvery: 20,
  exportEvery: 40,
  examples: 12,
  text: { dim: 32, layers: 1, heads: 2 },
  unet: { channels: [16, 32], attention: [false, true], groups: 4 },
};

export const train: TrainFn = async (opts) => {
  const D = DENOISER_DEFAULTS;
  const log = opts.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  const steps = opts.steps ?? (opts.smoke ? SMOKE.steps : D.steps);
  const batch = opts.batch ?? (opts.smoke ? SMOKE.batch : D.batch);
  const lr = opts.lr ?? (opts.smoke ? SMOKE.lr : D.lr);
  const warmup = Math.min(opts.smoke ? SMOKE.warmup : D.warmup, Math.floor(steps / 10));
  const seed = D.seed;
  const textArch = opts.smoke ? SMOKE.text : D.text;
  const unetArch = opts.smoke ? SMOKE.unet : D.unet;

  const data = await denoiserData({ packDir: opts.out, cacheDir: opts.checkpoints, threads: opts.threads, synthetic: opts.smoke ? SMOKE.examples : undefined }, nodeBackend, log);
  const config: DiffusionConfig = diffusionConfigSchema.parse({
    text: { vocabSize: data.tokenizer.vocabSize, maxLength: data.tokenizer.maxLength, ...textArch },
    unet: { ...unetArch, contextDim: textArch.dim, heads: textArch.heads, latentSize: data.latentSide, latentChannels: data.latentChannels, timesteps: D.schedule.steps },
  });
  const hyper = { batch, lr, warmup, minLrRatio: D.minLrRatio, weightDecay: D.weightDecay, clipNorm: D.clipNorm, captionDropout: D.captionDropout, minSnrGamma: D.minSnrGamma, emaDecay: D.emaDecay, steps };
  const settings = { config, schedule: D.schedule, data: data.key, ...hyper, smoke: opts.smoke };
  const run = startRun('denoiser', opts, settings);

  const { graph, p } = trainingGraph(config, batch, { seed });
  const names = p.names();
  const optimizer = new EmaOptimizer({ lr, weightDecay: D.weightDecay, clipNorm: D.clipNorm, emaDecay: D.emaDecay });
  if (run.checkpoint) optimizer.load(run.checkpoint.optimizer);
  const trainer = await Trainer.create({ graph, loss: 'loss', trainable: names, params: run.checkpoint?.params ?? p.initial(), optimizer, backend: nodeBackend, session: { threads: opts.threads } });
  optimizer.track(trainer.params);
  log(`[denoiser] ${p.count()} weights (text encoder ${countOf(p, 'text.')}, UNet ${countOf(p, 'unet.')}); ${data.count} examples: ${data.description}`);

  const schedule = noiseSchedule(D.schedule);
  const sampler = new EpochSampler(data.count, batch, seed);
  const exportEvery = opts.smoke ? SMOKE.exportEvery : D.exportEvery;
  const doExport = (step: number, wallTimeSeconds: number) =>
    exportDenoiser({ dir: opts.out, config, ema: optimizer.average(), step, wallTimeSeconds, options: { ...hyper, threads: opts.threads, seed }, data, tokenizer: data.tokenizer.config, schedule: D.schedule });
  const [wallStart, priorWall] = [performance.now(), run.checkpoint?.state.wallTimeSeconds ?? 0];
  const wall = () => priorWall + (performance.now() - wallStart) / 1000;
  // A fixed batch (step −1's draw, plain MSE) scored at each checkpoint: a steadier curve than the training loss.
  const probe = makeBatch(data, sampler.indices(0), config, schedule, { dropout: 0, minSnrGamma: null }, seed, -1);
  try {
    const result = await trainLoop({
      model: 'denoiser',
      run,
      trainer,
      optimizer,
      schedule: warmupCosine(lr, warmup, steps, lr * D.minLrRatio),
      totalSteps: steps,
      seed,
      settings,
      batch: (step) => makeBatch(data, sampler.indices(step), config, schedule, { dropout: D.captionDropout, minSnrGamma: D.minSnrGamma }, seed, step),
      checkpointEvery: opts.checkpointEvery ?? (opts.smoke ? SMOKE.checkpointEvery : D.checkpointEvery),
      opts,
      evaluate: async (t) => {
        // Intermediate exports ride on the checkpoint hook, so a long run can be evaluated before it
        // ends. The trainer counts this segment's steps only; the run's step adds the resumed ones.
        const step = (run.checkpoint?.state.step ?? 0) + t.steps;
        if (!opts.noExport && t.steps > 0 && step % exportEvery === 0 && step < steps) {
          await doExport(step, wall());
          log(`[denoiser] exported the EMA weights of step ${step} to ${opts.out}`);
        }
        return { probeLoss: await t.evaluate(probe) };
      },
    });
    if (result.interrupted || opts.noExport) return result;
    const exported = await doExport(result.step, result.wallTimeSeconds);
    log(`[denoiser] exported ${exported.text.weights} and ${exported.unet.weights} (${((exported.text.bytes + exported.unet.bytes) / 1e6).toFixed(1)} MB) to ${opts.out}`);
    return { ...result, exported: exported.unet };
  } finally {
    await trainer.release();
  }
};

/**
 * One batch, a pure function of (seed, step): ids (some dropped to the empty prompt), the noisy
 * latents at random timesteps and the noise to predict.
 */
export function makeBatch(
  data: DenoiserData,
  indices: readonly number[],
  config: DiffusionConfig,
  schedule: ReturnType<typeof noiseSchedule>,
  { dropout, minSnrGamma }: { dropout: number; minSnrGamma: number | null },
  seed: number,
  step: number,
): Record<string, Tensor> {
  const rng = stepRng(seed, step, 7);
  const batch = indices.length;
  const size = data.latentChannels * data.latentSide * data.latentSide;
  const L = config.text.maxLength;
  const x0 = new Float32Array(size);
  const noise = new Float32Array(batch * size);
  const noisy = new Float32Array(batch * size);
  const ids = new Array<number>(batch * L);
  const ts = new Array<number>(batch);
  const weights = new Float32Array(batch).fill(1);
  indices.forEach((idx, k) => {
    data.sample(idx, rng, x0, 0);
    const t = (ts[k] = rng.int(schedule.steps));
    const eps = noise.subarray(k * size, (k + 1) * size);
    for (let i = 0; i < size; i++) eps[i] = rng.normal();
    const ab = alphaBar(schedule, t);
    addNoise(x0, eps, ab, noisy.subarray(k * size, (k + 1) * size));
    const snr = ab / (1 - ab);
    if (minSnrGamma !== null) weights[k] = Math.min(snr, minSnrGamma) / snr;
    const row = rng.next() < dropout ? data.emptyIds : data.ids[idx];
    for (let j = 0; j < L; j++) ids[k * L + j] = row[j];
  });
  const shape = [batch, data.latentChannels, data.latentSide, data.latentSide];
  return { ids: i64([batch, L], ids), noisy: f32(shape, noisy), timesteps: i64([batch], ts), noise: f32(shape, noise), weights: f32([batch, 1, 1, 1], weights) };
}

const countOf = (p: { names(): string[]; get(n: string): { init: Tensor } }, prefix: string) =>
  p.names().filter((n) => n.startsWith(prefix)).reduce((s, n) => s + p.get(n).init.data.length, 0);
