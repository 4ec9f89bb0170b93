// Pure metrics over evaluator embeddings. Inputs are row-major [rows, dim] sets; the image/text
// embeddings the evaluator outputs are already unit length, but cosine() normalizes anyway so
// any features may be passed. Similarities are plain cosines in [-1, 1] — NOT the ×100 scale some
// papers print — so CLIP-I and CLIP-T read the same way and the 0.5× targets compare directly.
import { sqrtPsd, symmetricEigen } from './eigen.ts';

export interface Rows {
  data: ArrayLike<number>;
  rows: number;
  dim: number;
}

export const rows = (data: ArrayLike<number>, dim: number): Rows => {
  if (data.length % dim) throw new Error(`rows: ${data.length} values do not split into rows of ${dim}`);
  return { data, rows: data.length / dim, dim };
};

const row = (x: Rows, i: number) => Array.prototype.slice.call(x.data, i * x.dim, (i + 1) * x.dim) as number[];

export function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`cosine: lengths ${a.length} and ${b.length} differ`);
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < a.length; i++) {
    ab += a[i] * b[i];
    aa += a[i] * a[i];
    bb += b[i] * b[i];
  }
  return aa && bb ? ab / Math.sqrt(aa * bb) : 0;
}

/** Cosine between every row of a and every row of b: [a.rows, b.rows] row-major. */
export function cosineMatrix(a: Rows, b: Rows): Float64Array {
  if (a.dim !== b.dim) throw new Error(`cosineMatrix: dims ${a.dim} and ${b.dim} differ`);
  const out = new Float64Array(a.rows * b.rows);
  const bRows = Array.from({ length: b.rows }, (_, j) => row(b, j));
  for (let i = 0; i < a.rows; i++) {
    const ai = row(a, i);
    for (let j = 0; j < b.rows; j++) out[i * b.rows + j] = cosine(ai, bRows[j]);
  }
  return out;
}

/** Mean cosine of row i of a with row i of b (matched pairs). */
export function pairedCosine(a: Rows, b: Rows): number {
  if (a.rows !== b.rows || a.dim !== b.dim) throw new Error(`pairedCosine: [${a.rows}, ${a.dim}] and [${b.rows}, ${b.dim}] differ`);
  if (!a.rows) throw new Error('pairedCosine: no rows');
  let s = 0;
  for (let i = 0; i < a.rows; i++) s += cosine(row(a, i), row(b, i));
  return s / a.rows;
}

/**
 * CLIP-I as DreamBooth defines it: the mean cosine over all pairs of a generated image and a
 * reference image of the subject (every generated × every reference).
 */
export function clipI(generated: Rows, references: Rows): number {
  const m = cosineMatrix(generated, references);
  if (!m.length) throw new Error('clipI: no rows');
  return m.reduce((s, v) => s + v, 0) / m.length;
}

/** CLIP-T: mean cosine between each image and its own caption (row i with row i). */
export const clipT = (images: Rows, captions: Rows): number => pairedCosine(images, captions);

/**
 * Retrieval accuracy: the fraction of queries whose target candidate ranks among the k most
 * similar candidates. targets[i] is the index of query i's right answer in candidates. Ties count
 * against the query (a candidate at least as similar as the target outranks it), so a constant
 * embedding scores 0, not 1.
 */
export function topKAccuracy(queries: Rows, candidates: Rows, targets: readonly number[], k: number): number {
  if (targets.length !== queries.rows) throw new Error(`topKAccuracy: ${targets.length} targets for ${queries.rows} queries`);
  if (!(k >= 1)) throw new Error(`topKAccuracy: k = ${k}`);
  const sims = cosineMatrix(queries, candidates);
  const n = candidates.rows;
  let hits = 0;
  for (let i = 0; i < queries.rows; i++) {
    const t = targets[i];
    if (!(t >= 0 && t < n)) throw new Error(`topKAccuracy: target ${t} of query ${i} is not a candidate index`);
    const st = sims[i * n + t];
    let above = 0;
    for (let j = 0; j < n; j++) if (j !== t && sims[i * n + j] >= st) above++;
    if (above < k) hits++;
  }
  return hits / queries.rows;
}

export interface Gaussian {
  mean: Float64Array;
  /** dim×dim, row-major, unbiased (n − 1), as pytorch-fid computes it. */
  cov: Float64Array;
  dim: number;
}

export function gaussianStats(x: Rows): Gaussian {
  const { rows: n, dim: d, data } = x;
  if (n < 2) throw new Error(`gaussianStats: need at least 2 rows, got ${n}`);
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j] += data[i * d + j];
  for (let j = 0; j < d; j++) mean[j] /= n;
  const cov = new Float64Array(d * d);
  const c = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) c[j] = data[i * d + j] - mean[j];
    for (let p = 0; p < d; p++) {
      const cp = c[p];
      for (let q = p; q < d; q++) cov[p * d + q] += cp * c[q];
    }
  }
  for (let p = 0; p < d; p++)
    for (let q = p; q < d; q++) cov[q * d + p] = cov[p * d + q] = cov[p * d + q] / (n - 1);
  return { mean, cov, dim: d };
}

/**
 * Fréchet distance between two Gaussians:
 *   ‖μ₁ − μ₂‖² + tr Σ₁ + tr Σ₂ − 2·tr √(Σ₁^½ Σ₂ Σ₁^½).
 * The symmetric form √(Σ₁^½ Σ₂ Σ₁^½) has the same trace as √(Σ₁Σ₂) (they are similar matrices)
 * but stays symmetric PSD, so a symmetric eigensolver suffices and no complex parts appear.
 */
export function frechetFromStats(a: Gaussian, b: Gaussian): number {
  const d = a.dim;
  if (b.dim !== d) throw new Error(`frechetFromStats: dims ${a.dim} and ${b.dim} differ`);
  let dm = 0;
  let tr = 0;
  for (let j = 0; j < d; j++) {
    dm += (a.mean[j] - b.mean[j]) ** 2;
    tr += a.cov[j * d + j] + b.cov[j * d + j];
  }
  const r = sqrtPsd(a.cov, d);
  const m = mul(mul(r, b.cov, d), r, d);
  for (let p = 0; p < d; p++) for (let q = p + 1; q < d; q++) m[p * d + q] = m[q * d + p] = (m[p * d + q] + m[q * d + p]) / 2;
  const { values } = symmetricEigen(m, d);
  let trSqrt = 0;
  for (const v of values) trSqrt += Math.sqrt(Math.max(v, 0));
  // Rounding can push a true 0 a hair below zero.
  return Math.max(dm + tr - 2 * trSqrt, 0);
}

/** Fréchet distance between two feature sets (e.g. evaluator features of generated and real images). */
export const frechetDistance = (a: Rows, b: Rows): number => frechetFromStats(gaussianStats(a), gaussianStats(b));

function mul(a: Float64Array, b: Float64Array, n: number): Float64Array {
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let k = 0; k < n; k++) {
      const aik = a[i * n + k];
      if (aik === 0) continue;
      for (let j = 0; j < n; j++) out[i * n + j] += aik * b[k * n + j];
    }
  return out;
}
