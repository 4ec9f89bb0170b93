import { describe, expect, it } from 'vitest';
import { Rng } from '../../ml/index.ts';
import { clipI, clipT, cosine, frechetDistance, frechetFromStats, gaussianStats, pairedCosine, rows, topKAccuracy } from './metrics.ts';

/** n samples of N(mean, diag(sd²)) rotated by the orthonormal matrix q (row-major d×d). */
function gaussianSamples(n: number, mean: number[], sd: number[], q: number[] | null, rng: Rng): Float64Array {
  const d = mean.length;
  const out = new Float64Array(n * d);
  for (let i = 0; i < n; i++) {
    const z = sd.map((s) => s * rng.normal());
    for (let j = 0; j < d; j++) out[i * d + j] = mean[j] + (q ? z.reduce((s, v, k) => s + q[j * d + k] * v, 0) : z[j]);
  }
  return out;
}

describe('similarities', () => {
  it('cosine by hand', () => {
    expect(cosine([1, 0], [0, 1])).toBe(0);
    expect(cosine([1, 2, 2], [2, 4, 4])).toBeCloseTo(1, 12);
    expect(cosine([3, 4], [-3, -4])).toBeCloseTo(-1, 12);
    expect(cosine([1, 1], [1, 0])).toBeCloseTo(Math.SQRT1_2, 12);
    expect(cosine([0, 0], [1, 0])).toBe(0);
  });

  it('CLIP-T pairs rows; CLIP-I averages all generated × reference pairs', () => {
    const a = rows([1, 0, 0, 1], 2);
    const b = rows([1, 0, 1, 1], 2);
    expect(clipT(a, b)).toBeCloseTo((1 + Math.SQRT1_2) / 2, 12);
    expect(pairedCosine(a, a)).toBeCloseTo(1, 12);
    // Pairs: (a0,b0)=1, (a0,b1)=√½, (a1,b0)=0, (a1,b1)=√½.
    expect(clipI(a, b)).toBeCloseTo((1 + 2 * Math.SQRT1_2) / 4, 12);
    expect(() => clipT(a, rows([1, 0], 2))).toThrow(/differ/);
  });
});

describe('topKAccuracy', () => {
  const cands = rows([1, 0, 0, 0, 1, 0, 0, 0, 1, 0.7, 0.7, 0], 3); // 4 candidates
  it('counts a query as hit when its target is among the k nearest', () => {
    const q = rows([1, 0.1, 0, 0.9, 1, 0, 0, 0, 1], 3);
    // q0 → nearest c0 (target 0): hit at k=1. q1 → nearest c3 (0.999), then c1 (0.74; target 1): a
    // hit only from k=2. q2 → c2 exactly: hit.
    expect(topKAccuracy(q, cands, [0, 1, 2], 1)).toBeCloseTo(2 / 3, 12);
    expect(topKAccuracy(q, cands, [0, 1, 2], 2)).toBe(1);
    // Only q1 has c3 first.
    expect(topKAccuracy(q, cands, [3, 3, 0], 1)).toBeCloseTo(1 / 3, 12);
  });

  it('gives a constant embedding no credit from ties', () => {
    const flat = rows(new Array(12).fill(1), 3);
    expect(topKAccuracy(flat, flat, [0, 1, 2, 3], 3)).toBe(0);
    expect(topKAccuracy(flat, flat, [0, 1, 2, 3], 4)).toBe(1);
  });
});

describe('Fréchet distance', () => {
  it('is 0 between a set and itself', () => {
    const x = rows(gaussianSamples(200, [1, -2, 0.5], [1, 2, 0.3], null, new Rng(1)), 3);
    expect(frechetDistance(x, x)).toBeLessThan(1e-9);
  });

  it('is (μ₁ − μ₂)² + (σ₁ − σ₂)² in one dimension', () => {
    const g = (m: number, s: number) => ({ mean: Float64Array.of(m), cov: Float64Array.of(s * s), dim: 1 });
    expect(frechetFromStats(g(0, 1), g(3, 1))).toBeCloseTo(9, 12);
    expect(frechetFromStats(g(1, 2), g(0, 0.5))).toBeCloseTo(1 + 1.5 ** 2, 12);
  });

  it('is ‖Δμ‖² + Σ(√λ₁ − √λ₂)² for covariances sharing eigenvectors, whatever the rotation', () => {
    const c = Math.cos(0.6);
    const s = Math.sin(0.6);
    const q = [c, -s, 0, s, c, 0, 0, 0, 1];
    const qt = [c, s, 0, -s, c, 0, 0, 0, 1];
    const cov = (l: number[]) => {
      const out = new Float64Array(9);
      for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) for (let k = 0; k < 3; k++) out[i * 3 + j] += q[i * 3 + k] * l[k] * qt[k * 3 + j];
      return out;
    };
    const a = { mean: Float64Array.of(0, 1, 2), cov: cov([4, 1, 0.25]), dim: 3 };
    const b = { mean: Float64Array.of(1, 1, 0), cov: cov([1, 9, 0.25]), dim: 3 };
    expect(frechetFromStats(a, b)).toBeCloseTo(1 + 4 + (2 - 1) ** 2 + (1 - 3) ** 2 + 0, 9);
    // The covariance of a sum of independent ones does not commute in general; the distance is still symmetric.
    const c2 = { mean: Float64Array.of(0, 0, 0), cov: Float64Array.of(2, 0.5, 0, 0.5, 1, 0.2, 0, 0.2, 3), dim: 3 };
    expect(frechetFromStats(a, c2)).toBeCloseTo(frechetFromStats(c2, a), 9);
  });

  it('estimates the distance between two sampled Gaussians', () => {
    const rng = new Rng(4);
    const c = Math.SQRT1_2;
    const q = [c, -c, c, c];
    const a = rows(gaussianSamples(20000, [0, 0], [1, 2], q, rng), 2);
    const b = rows(gaussianSamples(20000, [1, 0], [1, 1], q, rng), 2);
    // Exact value: 1 + (1 − 1)² + (2 − 1)² = 2.
    expect(frechetDistance(a, b)).toBeCloseTo(2, 1);
    const st = gaussianStats(a);
    // (1 + 4)/2 on the diagonal after a 45° rotation, (1 − 4)/2 off it; sampling error is a few hundredths.
    expect(Math.abs(st.cov[0] - 2.5)).toBeLessThan(0.15);
    expect(Math.abs(st.cov[1] + 1.5)).toBeLessThan(0.15);
  });
});
