// One batch of the denoising objective, a pure function of (seed, step): which example each row
// takes, a uniform random timestep, Gaussian noise, x_t = √ᾱ·x₀ + √(1−ᾱ)·ε.
import { f32, i64, Rng, type Tensor } from '../../ml/index.ts';
import { addNoise, alphaBar, type NoiseSchedule } from '../diffusion/schedule.ts';

export interface DenoisingExamples {
  /** Clean scaled latents of the examples, [count, C, S, S] flat. */
  latents: Float32Array;
  count: number;
  shape: readonly [number, number, number];
  /** Loss weight of each example (1 for the concept; λ for prior-preservation images). */
  weight?: (index: number) => number;
  /** Min-SNR-γ weighting (see minSnrWeight); absent: DEFAULT_MIN_SNR_GAMMA; 0: the plain ε-MSE. */
  minSnrGamma?: number;
}

/**
 * The personalization methods' default γ: the built-in denoiser was trained with min-SNR-5
 * (Hang et al. 2023), and tuning it under the same weighting keeps the new word or adapters
 * learning shapes. The plain ε-MSE of the Textual Inversion and DreamBooth papers weighs nearly
 * clean timesteps most, whose targets hold only fine texture: with it, the learned concept
 * came out as mottled texture on the built-in pack.
 */
export const DEFAULT_MIN_SNR_GAMMA = 5;

/** ε-loss weight of timestep t under min-SNR-γ: min(SNR_t, γ)/SNR_t (1 when γ is 0). */
export function minSnrWeight(alphaBarT: number, gamma: number): number {
  if (!gamma) return 1;
  const snr = alphaBarT / (1 - alphaBarT);
  return Math.min(snr, gamma) / snr;
}

export function denoisingBatch(ex: DenoisingExamples, schedule: NoiseSchedule, batch: number, seed: number, step: number, pickRow: (row: number, rng: Rng) => number) {
  const rng = new Rng((seed * 7919 + step * 104729 + 13) >>> 0);
  const size = ex.shape[0] * ex.shape[1] * ex.shape[2];
  const noisy = new Float32Array(batch * size);
  const noise = new Float32Array(batch * size);
  const ts: number[] = [];
  const weights = new Float32Array(batch);
  const rows: number[] = [];
  for (let k = 0; k < batch; k++) {
    const idx = pickRow(k, rng);
    rows.push(idx);
    const t = rng.int(schedule.steps);
    ts.push(t);
    const eps = noise.subarray(k * size, (k + 1) * size);
    for (let i = 0; i < size; i++) eps[i] = rng.normal();
    const ab = alphaBar(schedule, t);
    addNoise(ex.latents.subarray(idx * size, (idx + 1) * size), eps, ab, noisy.subarray(k * size, (k + 1) * size));
    weights[k] = (ex.weight?.(idx) ?? 1) * minSnrWeight(ab, ex.minSnrGamma ?? DEFAULT_MIN_SNR_GAMMA);
  }
  const shape = [batch, ...ex.shape];
  const feeds: Record<string, Tensor> = { noisy: f32(shape, noisy), timesteps: i64([batch], ts), noise: f32(shape, noise), weights: f32([batch, 1, 1, 1], weights) };
  return { feeds, rows, rng };
}
