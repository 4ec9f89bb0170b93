// The latent draws the denoiser trains on: z = (μ + σ·n)·scale, and the scale that makes the
// means unit-variance.
import { describe, expect, it } from 'vitest';
import { Rng } from '../../ml/index.ts';
import { latentScale, type LatentSet, sampleLatent } from './latents.ts';

describe('latent draws', () => {
  it('samples around the scaled mean with the stored spread, and the scale whitens the means', () => {
    const n = 2000;
    const size = 4;
    const mean = new Float32Array(n * size).map((_, i) => (i % 2 ? 3 : -1));
    const logvar = new Float32Array(n * size).fill(2 * Math.log(0.5)); // σ = 0.5
    const set: LatentSet = { mean, logvar, size, count: n };
    const rng = new Rng(1);
    const out = new Float32Array(n);
    for (let k = 0; k < n; k++) {
      const z = new Float32Array(size);
      sampleLatent(set, k, 2, rng, z, 0);
      out[k] = z[1];
    }
    const m = out.reduce((s, v) => s + v, 0) / n;
    const sd = Math.sqrt(out.reduce((s, v) => s + (v - m) ** 2, 0) / n);
    expect(m).toBeCloseTo(6, 1); // 3·2
    expect(sd).toBeCloseTo(1, 1); // 0.5·2
    expect(latentScale(set)).toBeCloseTo(0.5, 5); // means ±2 around 1: std 2
  });
});
