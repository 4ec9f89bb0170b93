// Samplers as pure loops over Float32Arrays around an injected ε-predictor, so the same code runs
// with an onnxruntime-node session, an onnxruntime-web session in a worker, or a closed-form toy
// model in tests. Every sampler keeps the state in the model's own (variance-preserving) scale,
// x_t = √ᾱ·x₀ + √(1−ᾱ)·ε, so a start latent, an inverted noise or an img2img start means the same
// to all of them.
import { z } from 'zod';
import type { Rng } from '../../ml/index.ts';
import { addNoise, alphaBar, type NoiseSchedule, samplingTimesteps } from './schedule.ts';

/** ε̂(x_t, t) for a whole batch at one integer timestep; x and the result have the same length. */
export type EpsFn = (x: Float32Array, t: number) => Promise<Float32Array>;

export const SAMPLERS = ['ddim', 'ddpm', 'euler-a', 'dpm++2m'] as const;
export type SamplerName = (typeof SAMPLERS)[number];

/** The serializable part of a sampling call: what a node's parameters hold. */
export const samplerConfigSchema = z.object({
  sampler: z.enum(SAMPLERS).default('dpm++2m'),
  steps: z.number().int().min(1).max(1000).default(25),
  /** DDIM's stochasticity: 0 is the deterministic ODE, 1 matches DDPM's posterior noise. */
  eta: z.number().min(0).max(1).default(0),
  spacing: z.enum(['trailing', 'leading']).default('trailing'),
  /** img2img: how far the start latent is pushed back into noise (1 = all the way). */
  strength: z.number().min(0).max(1).default(1),
});
export type SamplerConfig = z.infer<typeof samplerConfigSchema>;

export interface SampleOptions extends Partial<SamplerConfig> {
  schedule: NoiseSchedule;
  /** Draws the start noise and the stochastic samplers' noise. */
  rng: Rng;
  /** img2img / editing: a clean latent, noised to the first visited timestep, then denoised. */
  init?: Float32Array;
  /** The state at the first visited timestep (e.g. from ddimInvert); otherwise drawn from rng. */
  noise?: Float32Array;
  onStep?: (done: number, total: number, x: Float32Array) => void;
  signal?: AbortSignal;
}

/** One update from timestep t to `prev` (−1 = clean), given ε̂ and the clean-data estimate x̂₀. */
interface Step {
  x: Float32Array;
  eps: Float32Array;
  x0: Float32Array;
  t: number;
  prev: number;
}

/** Runs a sampler from noise (or an img2img start) to a clean latent of `size` floats. */
export async function sample(epsFn: EpsFn, size: number, opts: SampleOptions): Promise<Float32Array> {
  const c = samplerConfigSchema.parse({ ...opts, schedule: undefined, rng: undefined });
  const { schedule: s, rng } = opts;
  let ts = samplingTimesteps(s.steps, c.steps, c.spacing);
  if (opts.init) ts = ts.slice(c.steps - Math.max(1, Math.round(c.steps * c.strength)));
  const noise = opts.noise ?? gaussian(size, rng);
  if (noise.length !== size) throw new Error(`sample: noise has ${noise.length} values, expected ${size}`);
  let x = opts.init ? addNoise(opts.init, noise, alphaBar(s, ts[0])) : noise.slice();
  const update = updater(c, s, rng);
  for (let i = 0; i < ts.length; i++) {
    opts.signal?.throwIfAborted();
    const t = ts[i];
    const prev = i + 1 < ts.length ? ts[i + 1] : -1;
    const eps = await epsFn(x, t);
    if (eps.length !== size) throw new Error(`sample: the model returned ${eps.length} values for ${size}`);
    x = update({ x, eps, x0: predictX0(x, eps, alphaBar(s, t)), t, prev });
    opts.onStep?.(i + 1, ts.length, x);
  }
  return x;
}

/** x̂₀ = (x − √(1−ᾱ)·ε̂)/√ᾱ. */
export function predictX0(x: Float32Array, eps: Float32Array, abar: number): Float32Array {
  const a = Math.sqrt(abar);
  const s = Math.sqrt(1 - abar);
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = (x[i] - s * eps[i]) / a;
  return out;
}

function updater(c: SamplerConfig, s: NoiseSchedule, rng: Rng): (st: Step) => Float32Array {
  switch (c.sampler) {
    case 'ddim':
      return (st) => ddimStep(st, s, c.eta, rng);
    case 'ddpm':
      return (st) => ddpmStep(st, s, rng);
    case 'euler-a':
      return (st) => eulerAncestralStep(st, s, rng);
    case 'dpm++2m':
      return dpmSolver2M(s);
  }
}

/** DDIM (Song et al.): x' = √ᾱ'·x̂₀ + √(1−ᾱ'−σ²)·ε̂ + σz, σ = η·√((1−ᾱ')/(1−ᾱ))·√(1−ᾱ/ᾱ'). */
function ddimStep({ eps, x0, t, prev }: Step, s: NoiseSchedule, eta: number, rng: Rng): Float32Array {
  const [ab, abp] = [alphaBar(s, t), alphaBar(s, prev)];
  const sigma = eta * Math.sqrt((1 - abp) / (1 - ab)) * Math.sqrt(1 - ab / abp);
  const [a, d] = [Math.sqrt(abp), Math.sqrt(Math.max(0, 1 - abp - sigma * sigma))];
  const out = new Float32Array(eps.length);
  for (let i = 0; i < out.length; i++) out[i] = a * x0[i] + d * eps[i] + (sigma > 0 ? sigma * rng.normal() : 0);
  return out;
}

/**
 * DDPM ancestral step: a draw from the posterior q(x' | x, x̂₀) of the (possibly strided) step,
 * whose β' = 1 − ᾱ/ᾱ'. No noise is added on the final step to the clean latent.
 */
function ddpmStep({ x, x0, t, prev }: Step, s: NoiseSchedule, rng: Rng): Float32Array {
  const [ab, abp] = [alphaBar(s, t), alphaBar(s, prev)];
  const beta = 1 - ab / abp;
  const c0 = (Math.sqrt(abp) * beta) / (1 - ab);
  const ct = (Math.sqrt(1 - beta) * (1 - abp)) / (1 - ab);
  const std = prev < 0 ? 0 : Math.sqrt(((1 - abp) / (1 - ab)) * beta);
  const out = new Float32Array(x.length);
  for (let i = 0; i < out.length; i++) out[i] = c0 * x0[i] + ct * x[i] + (std > 0 ? std * rng.normal() : 0);
  return out;
}

/**
 * Euler ancestral (k-diffusion) in σ = √((1−ᾱ)/ᾱ) space, where x/√ᾱ = x̂₀ + σ·ε: step down to
 * σ_down along ε̂, then add fresh noise σ_up so the total reaches σ' (σ_down² + σ_up² = σ'²).
 */
function eulerAncestralStep({ eps, x0, t, prev }: Step, s: NoiseSchedule, rng: Rng): Float32Array {
  const [ab, abp] = [alphaBar(s, t), alphaBar(s, prev)];
  const sig = Math.sqrt((1 - ab) / ab);
  const sigNext = Math.sqrt((1 - abp) / abp);
  const up = Math.min(sigNext, Math.sqrt((sigNext ** 2 * (sig ** 2 - sigNext ** 2)) / sig ** 2));
  const down = Math.sqrt(Math.max(0, sigNext ** 2 - up ** 2));
  const scale = Math.sqrt(abp); // back to the variance-preserving scale of timestep prev
  const out = new Float32Array(eps.length);
  for (let i = 0; i < out.length; i++) out[i] = scale * (x0[i] + down * eps[i] + (up > 0 ? up * rng.normal() : 0));
  return out;
}

/**
 * DPM-Solver++(2M) (Lu et al. 2022), the multistep second-order solver of the data-prediction ODE
 * in λ = log(α/σ): x' = (σ'/σ)·x − α'(e^{−h} − 1)·D, with D = x̂₀ on the first step and
 * D = (1 + 1/2r)·x̂₀ − (1/2r)·x̂₀_prev after (r = h_prev/h). The last step lands on x̂₀ itself.
 * Stateful (it remembers the previous x̂₀), so a fresh closure per sampling run.
 */
function dpmSolver2M(s: NoiseSchedule): (st: Step) => Float32Array {
  let last: { x0: Float32Array; h: number } | null = null;
  const lambda = (ab: number) => 0.5 * Math.log(ab / (1 - ab));
  return ({ x, x0, t, prev }) => {
    if (prev < 0) return x0;
    const [ab, abp] = [alphaBar(s, t), alphaBar(s, prev)];
    const h = lambda(abp) - lambda(ab);
    const cx = Math.sqrt((1 - abp) / (1 - ab));
    const cd = -Math.sqrt(abp) * (Math.exp(-h) - 1);
    const out = new Float32Array(x.length);
    if (!last) for (let i = 0; i < out.length; i++) out[i] = cx * x[i] + cd * x0[i];
    else {
      const k = 1 / (2 * (last.h / h));
      const prevX0 = last.x0;
      for (let i = 0; i < out.length; i++) out[i] = cx * x[i] + cd * ((1 + k) * x0[i] - k * prevX0[i]);
    }
    last = { x0, h };
    return out;
  };
}

export function gaussian(n: number, rng: Rng): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = rng.normal();
  return out;
}
