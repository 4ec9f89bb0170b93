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
    addNoise(ex.latents.subarray(idx * size, (idx + 1) * size), eps, alphaBar(schedule, t), noisy.subarray(k * size, (k + 1) * size));
    weights[k] = ex.weight?.(idx) ?? 1;
  }
  const shape = [batch, ...ex.shape];
  const feeds: Record<string, Tensor> = { noisy: f32(shape, noisy), timesteps: i64([batch], ts), noise: f32(shape, noise), weights: f32([batch, 1, 1, 1], weights) };
  return { feeds, rows, rng };
}
