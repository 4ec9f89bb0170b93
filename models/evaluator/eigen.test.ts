import { describe, expect, it } from 'vitest';
import { Rng } from '../../ml/index.ts';
import { sqrtPsd, symmetricEigen } from './eigen.ts';

function matmul(a: ArrayLike<number>, b: ArrayLike<number>, n: number): Float64Array {
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let k = 0; k < n; k++) for (let j = 0; j < n; j++) out[i * n + j] += a[i * n + k] * b[k * n + j];
  return out;
}

function randomSymmetric(n: number, rng: Rng): Float64Array {
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = i; j < n; j++) a[i * n + j] = a[j * n + i] = rng.normal();
  return a;
}

describe('symmetricEigen', () => {
  it('solves a 2×2 by hand: [[2, 1], [1, 2]] has eigenvalues 1 and 3', () => {
    const { values, vectors } = symmetricEigen([2, 1, 1, 2], 2);
    expect(values[0]).toBeCloseTo(1, 12);
    expect(values[1]).toBeCloseTo(3, 12);
    // Eigenvector of 3 is (1, 1)/√2 up to sign.
    expect(Math.abs(vectors[1])).toBeCloseTo(Math.SQRT1_2, 12);
    expect(Math.abs(vectors[3])).toBeCloseTo(Math.SQRT1_2, 12);
  });

  it('returns a diagonal matrix as it is, sorted', () => {
    const { values } = symmetricEigen([5, 0, 0, 0, -1, 0, 0, 0, 2], 3);
    expect(Array.from(values)).toEqual([-1, 2, 5]);
  });

  it('reconstructs random symmetric matrices with orthonormal vectors', () => {
    const rng = new Rng(9);
    for (const n of [1, 3, 10, 40]) {
      const a = randomSymmetric(n, rng);
      const { values, vectors: V } = symmetricEigen(a, n);
      const VT = new Float64Array(n * n);
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) VT[j * n + i] = V[i * n + j];
      const D = new Float64Array(n * n);
      values.forEach((v, i) => (D[i * n + i] = v));
      const back = matmul(matmul(V, D, n), VT, n);
      const eye = matmul(VT, V, n);
      for (let i = 0; i < n * n; i++) {
        expect(back[i]).toBeCloseTo(a[i], 9);
        expect(eye[i]).toBeCloseTo(i % (n + 1) === 0 ? 1 : 0, 9);
      }
      for (let i = 1; i < n; i++) expect(values[i]).toBeGreaterThanOrEqual(values[i - 1]);
    }
  });
});

describe('sqrtPsd', () => {
  it('squares back to the matrix, and clips tiny negative eigenvalues to zero', () => {
    const rng = new Rng(2);
    const n = 12;
    const x = randomSymmetric(n, rng);
    const psd = matmul(x, x, n); // xᵀx with x symmetric: positive semi-definite
    const r = sqrtPsd(psd, n);
    const back = matmul(r, r, n);
    for (let i = 0; i < n * n; i++) expect(back[i]).toBeCloseTo(psd[i], 8);
    // Rank-one [[1, 1], [1, 1]] with rounding noise: its root is [[1, 1], [1, 1]]/√2.
    const root = sqrtPsd([1, 1, 1, 1 - 1e-17], 2);
    for (const v of root) expect(v).toBeCloseTo(Math.SQRT1_2, 8);
  });
});
