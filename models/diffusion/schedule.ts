// The DDPM noise schedule: how much signal survives at each of T discrete timesteps. Everything a
// sampler or the training loop needs follows from ᾱ_t (alphas_cumprod): x_t = √ᾱ_t·x₀ + √(1−ᾱ_t)·ε.
// Computed in float64 so that samplers stepping through 1000 timesteps do not drift.
import { z } from 'zod';

export const scheduleConfigSchema = z.object({
  /**
   * 'scaled-linear' is Stable Diffusion's (β linear in √β), made for latents; 'cosine' is
   * Nichol & Dhariwal's; 'linear' is the original DDPM's.
   */
  kind: z.enum(['scaled-linear', 'linear', 'cosine']).default('scaled-linear'),
  steps: z.number().int().min(2).default(1000),
  betaStart: z.number().positive().default(0.00085),
  betaEnd: z.number().positive().max(0.999).default(0.012),
});
export type ScheduleConfig = z.infer<typeof scheduleConfigSchema>;

export interface NoiseSchedule {
  readonly config: ScheduleConfig;
  /** T, the number of training timesteps (t runs 0 … T−1). */
  readonly steps: number;
  readonly betas: Float64Array;
  /** ᾱ_t = ∏_{s≤t} (1 − β_s). */
  readonly alphasCumprod: Float64Array;
}

export function noiseSchedule(config: Partial<ScheduleConfig> = {}): NoiseSchedule {
  const c = scheduleConfigSchema.parse(config);
  const T = c.steps;
  const betas = new Float64Array(T);
  if (c.kind === 'cosine') {
    // ᾱ(t) = cos²((t/T + s)/(1 + s)·π/2), β clipped at 0.999 so the last step stays invertible.
    const f = (t: number) => Math.cos(((t / T + 0.008) / 1.008) * (Math.PI / 2)) ** 2;
    for (let t = 0; t < T; t++) betas[t] = Math.min(1 - f(t + 1) / f(t), 0.999);
  } else
    for (let t = 0; t < T; t++) {
      const u = t / (T - 1);
      betas[t] =
        c.kind === 'linear'
          ? c.betaStart + u * (c.betaEnd - c.betaStart)
          : (Math.sqrt(c.betaStart) + u * (Math.sqrt(c.betaEnd) - Math.sqrt(c.betaStart))) ** 2;
    }
  const alphasCumprod = new Float64Array(T);
  let acc = 1;
  for (let t = 0; t < T; t++) alphasCumprod[t] = acc *= 1 - betas[t];
  return { config: c, steps: T, betas, alphasCumprod };
}

/** ᾱ at timestep t; t = −1 means "clean data" (ᾱ = 1), the target of a sampler's last step. */
export const alphaBar = (s: NoiseSchedule, t: number): number => (t < 0 ? 1 : s.alphasCumprod[t]);

/**
 * The n timesteps a sampler visits, from noisiest to cleanest. 'trailing' (Lin et al. 2024) starts
 * at T−1, so sampling begins from pure noise as in training; 'leading' is DDIM's original
 * spacing (0, T/n, …), which never reaches the last timestep.
 */
export function samplingTimesteps(T: number, n: number, spacing: 'trailing' | 'leading' = 'trailing'): number[] {
  if (!Number.isInteger(n) || n < 1 || n > T) throw new Error(`sampling steps must be in 1…${T}, got ${n}`);
  const out: number[] = [];
  if (spacing === 'trailing') for (let i = 0; i < n; i++) out.push(Math.round(T - (i * T) / n) - 1);
  else for (let i = n - 1; i >= 0; i--) out.push(Math.floor((i * T) / n));
  return out;
}

/** x_t = √ᾱ·x₀ + √(1−ᾱ)·ε for one sample's slice (the training loop's and img2img's forward process). */
export function addNoise(x0: Float32Array, eps: Float32Array, abar: number, out = new Float32Array(x0.length)): Float32Array {
  const a = Math.sqrt(abar);
  const s = Math.sqrt(1 - abar);
  for (let i = 0; i < x0.length; i++) out[i] = a * x0[i] + s * eps[i];
  return out;
}
