// Latent-diffusion training of the text encoder and the UNet, jointly: held-in emoji of all six
// styles, encoded once by the pack's trained VAE (latents.ts); per step a fresh latent draw, a
// uniform random timestep, Gaussian noise, 10% of captions dropped to the empty prompt, MSE with
// min-SNR weights. AdamW with warmup + cosine, global-norm clipping, and an EMA of the weights,
// which is what gets exported (float16).
//
// The recipe, and why (small model, small data, one CPU core):
// - v-prediction (Salimans & Ho 2022; Stable Diffusion 2): the net outputs v = √ᾱ·ε − √(1−ᾱ)·x₀,
//   a unit-variance target at every timestep. ε-prediction is ill-posed at high noise: its x̂₀ =
//   (x_t − √(1−ᾱ)·ε̂)/√ᾱ multiplies ε̂'s error by 1/√ᾱ (≈ 15 at the first step of a trailing
//   sampler), which is where few-step samplers (DPM-Solver++ at 25 steps, DDIM at 8 for previews)
//   decide the layout. The UNet converts v̂ to ε̂ in its own graph (unet.ts), so samplers, DDIM
//   inversion, guidance and the personalization losses are unchanged; the manifest's UNet entry
//   says `prediction: 'v'` and packs without the field stay ε-models.
// - Min-SNR-γ weighting, γ = 5 (Hang et al. 2023, ~3× faster convergence; the paper gives its form
//   for ε, x₀ and v targets): the loss is taken on the ε̂ the graph returns with weights
//   min(SNR, γ)/SNR, which is exactly the v-loss with the v-form min(SNR, γ)/(SNR + 1).
// - The scaled-linear schedule (β 0.00085 → 0.012, T = 1000), kept: it is latent diffusion's own
//   (LDM, SD 1 and 2). Cosine (Nichol & Dhariwal 2021) was made for pixels, and it and the
//   zero-terminal-SNR rescale (Lin et al. 2024) both end at ᾱ_T ≈ 0 (cosine: 2e-9), where the ε
//   interface every sampler and inversion reads, x̂₀ = (x − √(1−ᾱ)·ε̂)/√ᾱ, is 0/0. What the rescale
//   cures, the signal left at T (√ᾱ_T ≈ 0.07) leaking through the image mean, is 4× weaker on our
//   16×16 latent than on SD's 64×64 one (noise on a mean of n values falls as 1/√n); the other half
//   of Lin et al., sampling from T−1 (trailing spacing), the samplers already do.
// - Classifier-free guidance by 10% caption dropout (Ho & Salimans 2022; SD uses 10%).
// - EMA 0.999: an averaging length of ~1k steps, about a ninth of the run (σ_rel ≈ 0.1), the order
//   the post-hoc EMA study of Karras et al. 2024 (EDM2) found best relative to training length.
// - A wider model than the first pack (3.6 M UNet + 0.8 M text encoder): channels 64/128/160, two
//   ResBlocks per level (SD's layers_per_block), self- + cross-attention at 8×8 and 4×4 and in the
//   middle, so 11 cross-attention layers instead of 7; text encoder 192 wide, 4 layers. The 4×4
//   level stops at 160 channels, not 256: its weights cost 16 pixels of work but most of the bytes,
//   and 256 would take text encoder + UNet past the pack's 40 MB even in float16.
// - lr 3e-4 with 500 warmup steps and cosine to 10%: DDPM's 2e-4 (35 M UNet, batch 128) scaled
//   for a smaller net with a short schedule; gradient norm clipped at 1 as DDPM and SD do.
import { f32, i64, type Tensor, Trainer, warmupCosine } from '../../ml/index.ts';
import { nodeBackend } from '../../ml/session/node.ts';
import { type DiffusionConfig, diffusionConfigSchema, trainingGraph } from '../diffusion/graphs.ts';
import { addNoise, alphaBar, noiseSchedule } from '../diffusion/schedule.ts';
import { EpochSampler, stepRng } from './batches.ts';
import { denoiserData, type DenoiserData } from './denoiser-data.ts';
import { exportDenoiser } from './denoiser-export.ts';
import { EmaOptimizer } from './ema-optimizer.ts';
import { startRun, trainLoop } from './loop.ts';
import { runShape, type TrainFn } from './options.ts';

/**
 * Sized for ≤ 6 hours of one core: 14.2 M weights (UNet 12.1 M, text encoder 2.1 M) measured 1.9 s/step
 * (median; 2.05–2.26 s mean with checkpoints) at batch 32 on one onnxruntime thread, on a 2-core
 * machine whose other core was training another model. 9,000 steps (288k examples, ~18 epochs of the
 * 16,341 images) take ~5.3 h at that rate, fewer on a quiet machine. A checkpoint (weights, AdamW
 * moments, EMA: ~230 MB, ~1.7 s with the probe) every 100 steps, about every 3.5 minutes, so a
 * session that is killed loses little; Ctrl-C or SIGTERM checkpoints at once. Continue with --resume.
 */
export const DENOISER_DEFAULTS = {
  steps: 9000,
  batch: 32,
  lr: 3e-4,
  warmup: 500,
  minLrRatio: 0.1,
  weightDecay: 0.01,
  clipNorm: 1,
  captionDropout: 0.1,
  /**
   * Min-SNR-γ loss weighting (Hang et al. 2023): an example at timestep t weighs min(SNR_t, γ)/SNR_t
   * on ε̂, so the many nearly-clean timesteps stop dominating the gradient.
   */
  minSnrGamma: 5,
  emaDecay: 0.999,
  checkpointEvery: 100,
  /** Export the EMA weights into the pack every this many steps, so evaluation can start early. */
  exportEvery: 1000,
  seed: 0,
  text: { dim: 192, layers: 4, heads: 4 },
  unet: { channels: [64, 128, 160], attention: [false, true, true], layersPerBlock: 2, groups: 16, prediction: 'v' },
  schedule: { kind: 'scaled-linear', steps: 1000, betaStart: 0.00085, betaEnd: 0.012 },
} as const;

// The smoke run trains the v-prediction path too, on a tiny net, so it exercises the recipe end to end.
const SMOKE = {
  steps: 60,
  batch: 8,
  lr: 2e-3,
  warmup: 5,
  checkpointEvery: 20,
  exportEvery: 40,
  examples: 12,
  text: { dim: 32, layers: 1, heads: 2 },
  unet: { channels: [16, 32], attention: [false, true], layersPerBlock: 1, groups: 4, prediction: 'v' },
};

export const train: TrainFn = async (opts) => {
  const D = DENOISER_DEFAULTS;
  const log = opts.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  const { steps, batch, lr, warmup } = runShape(opts, D, SMOKE);
  const seed = D.seed;
  const textArch = opts.smoke ? SMOKE.text : D.text;
  const unetArch = opts.smoke ? SMOKE.unet : D.unet;

  const data = await denoiserData({ packDir: opts.out, cacheDir: opts.checkpoints, threads: opts.threads, synthetic: opts.smoke ? SMOKE.examples : undefined }, nodeBackend, log);
  const config: DiffusionConfig = diffusionConfigSchema.parse({
    text: { vocabSize: data.tokenizer.vocabSize, maxLength: data.tokenizer.maxLength, ...textArch },
    unet: { ...unetArch, contextDim: textArch.dim, heads: textArch.heads, latentSize: data.latentSide, latentChannels: data.latentChannels, timesteps: D.schedule.steps, schedule: D.schedule },
  });
  const hyper = { batch, lr, warmup, minLrRatio: D.minLrRatio, weightDecay: D.weightDecay, clipNorm: D.clipNorm, captionDropout: D.captionDropout, minSnrGamma: D.minSnrGamma, emaDecay: D.emaDecay, steps };
  const settings = { config, data: data.key, ...hyper, smoke: opts.smoke };
  const run = startRun('denoiser', opts, settings);

  const { graph, p } = trainingGraph(config, batch, { seed });
  const names = p.names();
  const optimizer = new EmaOptimizer({ lr, weightDecay: D.weightDecay, clipNorm: D.clipNorm, emaDecay: D.emaDecay });
  if (run.checkpoint) optimizer.load(run.checkpoint.optimizer);
  const trainer = await Trainer.create({ graph, loss: 'loss', trainable: names, params: run.checkpoint?.params ?? p.initial(), optimizer, backend: nodeBackend, session: { threads: opts.threads } });
  optimizer.track(trainer.params);
  log(`[denoiser] ${p.count()} weights (text encoder ${countOf(p, 'text.')}, UNet ${countOf(p, 'unet.')}); ${data.count} examples: ${data.description}`);

  const schedule = noiseSchedule(config.unet.schedule);
  const sampler = new EpochSampler(data.count, batch, seed);
  const exportEvery = opts.smoke ? SMOKE.exportEvery : D.exportEvery;
  const doExport = (step: number, wallTimeSeconds: number) =>
    exportDenoiser({ dir: opts.out, config, ema: optimizer.average(), step, wallTimeSeconds, options: { ...hyper, threads: opts.threads, seed }, data, tokenizer: data.tokenizer.config });
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
    log(`[denoiser] exported ${exported.text.weights} and ${exported.unet.weights} (${exported.unet.dtype}, ${((exported.text.bytes + exported.unet.bytes) / 1e6).toFixed(1)} MB) to ${opts.out}`);
    return { ...result, exported: exported.unet };
  } finally {
    await trainer.release();
  }
};

/**
 * One batch, a pure function of (seed, step): ids (some dropped to the empty prompt), the noisy
 * latents at random timesteps and the noise the graph's ε̂ is compared with (for a v-model too:
 * its graph converts v̂ to ε̂, see unet.ts), with min-SNR weights.
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
