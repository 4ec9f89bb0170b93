// The denoising batch's timestep weighting.
import { describe, expect, it } from 'vitest';
import { alphaBar, noiseSchedule } from '../diffusion/schedule.ts';
import { denoisingBatch, minSnrWeight } from './denoising-batch.ts';

describe('min-SNR weighting', () => {
  it('is min(SNR, γ)/SNR: 1 for noisy steps, γ/SNR for nearly clean ones, 1 everywhere at γ = 0', () => {
    expect(minSnrWeight(0.5, 5)).toBe(1); // SNR 1
    expect(minSnrWeight(0.99, 5)).toBeCloseTo(5 / 99, 12); // SNR 99
    expect(minSnrWeight(0.99, 0)).toBe(1);
  });

  it('scales each row of a batch by its timestep, on top of the example weight', () => {
    const schedule = noiseSchedule();
    const ex = { latents: new Float32Array(2 * 4), count: 2, shape: [1, 2, 2] as const, weight: (i: number) => (i === 0 ? 1 : 0.5) };
    const plain = denoisingBatch({ ...ex, minSnrGamma: 0 }, schedule, 8, 3, 7, (k) => k % 2);
    const weighted = denoisingBatch({ ...ex, minSnrGamma: 5 }, schedule, 8, 3, 7, (k) => k % 2);
    const ts = Array.from(plain.feeds.timesteps.data as BigInt64Array, Number);
    const w0 = plain.feeds.weights.data as Float32Array;
    const w = weighted.feeds.weights.data as Float32Array;
    ts.forEach((t, k) => {
      expect(w0[k]).toBe(k % 2 ? 0.5 : 1);
      expect(w[k]).toBeCloseTo(w0[k] * minSnrWeight(alphaBar(schedule, t), 5), 6);
    });
    // Absent, γ is the default one.
    expect(denoisingBatch(ex, schedule, 8, 3, 7, (k) => k % 2).feeds.weights.data).toEqual(w);
    // Same seed and step: the same timesteps and noise, only the weights differ.
    expect(weighted.feeds.noise.data).toEqual(plain.feeds.noise.data);
  });
});
