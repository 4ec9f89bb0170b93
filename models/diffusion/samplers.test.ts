// Samplers against toy data whose ideal ε-predictor is known in closed form, so any error is the
// sampler's: a Gaussian (each sampler must reproduce its mean and spread) and two points ±1 (the
// samples must land on them, half on each). DDIM inversion must invert DDIM sampling.
import { describe, expect, it } from 'vitest';
import { Rng } from '../../ml/index.ts';
import { guided } from './guidance.ts';
import { ddimInvert } from './inversion.ts';
import { type EpsFn, gaussian, sample, type SamplerName, SAMPLERS } from './samplers.ts';
import { alphaBar, type NoiseSchedule, noiseSchedule } from './schedule.ts';

const N = 4000;

/** Data ~ N(mu, std²) per value: x_t ~ N(a·mu, a²std² + σ²), so E[ε | x_t] = σ(x − a·mu)/(a²std² + σ²). */
function gaussianEps(s: NoiseSchedule, mu: number, std: number): EpsFn {
  return async (x, t) => {
    const ab = alphaBar(s, t);
    const [a, sg] = [Math.sqrt(ab), Math.sqrt(1 - ab)];
    const v = ab * std * std + (1 - ab);
    return x.map((xi) => (sg * (xi - a * mu)) / v);
  };
}

/** Data = ±1 with equal odds: E[x₀ | x_t] = tanh(a·x/σ²), ε = (x − a·E[x₀|x_t])/σ. */
function twoPointEps(s: NoiseSchedule): EpsFn {
  return async (x, t) => {
    const ab = alphaBar(s, t);
    const [a, s2] = [Math.sqrt(ab), 1 - ab];
    return x.map((xi) => (xi - a * Math.tanh((a * xi) / s2)) / Math.sqrt(s2));
  };
}

function moments(x: Float32Array) {
  const mean = x.reduce((p, v) => p + v, 0) / x.length;
  const std = Math.sqrt(x.reduce((p, v) => p + (v - mean) ** 2, 0) / x.length);
  return { mean, std };
}

// DDPM's linear schedule ends at ᾱ ≈ 4e-5, so unit-Gaussian start noise is the true x_T and the
// tolerances below measure only the samplers' discretization.
const linear = noiseSchedule({ kind: 'linear', betaStart: 1e-4, betaEnd: 0.02 });

// First-order samplers shrink the spread at few steps (DDIM: std 0.44 at 25 steps, 0.485 at 100;
// DDPM 0.40 → 0.46), converging as steps grow; the second-order DPM-Solver++ is accurate at 25.
const GAUSSIAN_STEPS: Record<SamplerName, number> = { ddim: 200, ddpm: 400, 'euler-a': 400, 'dpm++2m': 25 };

describe('samplers on a Gaussian', () => {
  for (const sampler of SAMPLERS)
    it(`${sampler} reproduces mean 1.5 and std 0.5 in ${GAUSSIAN_STEPS[sampler]} steps`, async () => {
      const x = await sample(gaussianEps(linear, 1.5, 0.5), N, { schedule: linear, sampler, steps: GAUSSIAN_STEPS[sampler], rng: new Rng(1) });
      const m = moments(x);
      expect(Math.abs(m.mean - 1.5)).toBeLessThan(0.03);
      expect(Math.abs(m.std - 0.5)).toBeLessThan(0.03);
    });

  it('works with the default (scaled-linear) schedule too', async () => {
    const s = noiseSchedule();
    expect(s.alphasCumprod[999]).toBeGreaterThan(0.004);
    expect(s.alphasCumprod[999]).toBeLessThan(0.006);
    const m = moments(await sample(gaussianEps(s, 0.5, 0.5), N, { schedule: s, steps: 25, rng: new Rng(2) }));
    // x_T's small residual signal (√ᾱ_T ≈ 0.07) biases the mean slightly towards 0.
    expect(Math.abs(m.mean - 0.5)).toBeLessThan(0.05);
    expect(Math.abs(m.std - 0.5)).toBeLessThan(0.05);
  });
});

describe('samplers on two points', () => {
  for (const sampler of SAMPLERS)
    it(`${sampler} puts samples on ±1, about half on each`, async () => {
      const x = await sample(twoPointEps(linear), N, { schedule: linear, sampler, steps: 25, rng: new Rng(3) });
      const near = x.filter((v) => Math.abs(Math.abs(v) - 1) < 0.1).length / N;
      const pos = x.filter((v) => v > 0).length / N;
      expect(near).toBeGreaterThan(0.9);
      expect(Math.abs(pos - 0.5)).toBeLessThan(0.05);
    });
});

describe('img2img and inversion', () => {
  it('a small strength keeps a start latent close; strength 1 forgets it', async () => {
    const init = new Float32Array(N).fill(1);
    const eps = twoPointEps(linear);
    const weak = await sample(eps, N, { schedule: linear, steps: 25, strength: 0.1, init, rng: new Rng(4) });
    const full = await sample(eps, N, { schedule: linear, steps: 25, strength: 1, init, rng: new Rng(4) });
    expect(weak.filter((v) => v > 0).length / N).toBeGreaterThan(0.99);
    expect(Math.abs(full.filter((v) => v > 0).length / N - 0.5)).toBeLessThan(0.05);
  });

  it('DDIM inversion then DDIM (η = 0) sampling returns the start latent', async () => {
    const s = noiseSchedule();
    const eps = gaussianEps(s, 0.3, 0.7);
    const x0 = gaussian(512, new Rng(5)).map((v) => 0.3 + 0.7 * v);
    const xT = await ddimInvert(eps, x0, { schedule: s, steps: 50 });
    // The inverted latent looks like noise: roughly unit variance, not the data's 0.7.
    expect(Math.abs(moments(xT).std - 1)).toBeLessThan(0.1);
    const back = await sample(eps, x0.length, { schedule: s, sampler: 'ddim', eta: 0, steps: 50, noise: xT, rng: new Rng(0) });
    // Inversion is approximate (it evaluates ε̂ one step early), most at the first, least noisy step:
    // a 2% mean error against the data's 0.7 spread, where a fresh noise draw would be ~100%.
    const err = back.map((v, i) => Math.abs(v - x0[i]));
    expect(err.reduce((p, v) => p + v, 0) / err.length).toBeLessThan(0.02);
    expect(Math.max(...err)).toBeLessThan(0.08);
  });
});

describe('classifier-free guidance', () => {
  it('makes one call on a doubled batch and extrapolates from uncond towards cond', async () => {
    const calls: number[] = [];
    // A "model" whose ε is its context: cond contexts say 1, uncond ones 0.
    const predict = async (x: Float32Array, _t: number, ctx: Float32Array) => {
      calls.push(x.length);
      return ctx.slice();
    };
    const eps = guided(predict, { cond: new Float32Array(8).fill(1), uncond: new Float32Array(8), scale: 7.5 });
    const out = await eps(new Float32Array(8), 10);
    expect(calls).toEqual([16]);
    expect([...out]).toEqual(new Array(8).fill(7.5));
    const plain = guided(predict, { cond: new Float32Array(8).fill(1), uncond: new Float32Array(8), scale: 1 });
    expect([...(await plain(new Float32Array(8), 10))]).toEqual(new Array(8).fill(1));
    expect(calls).toEqual([16, 8]);
  });
});
