// Editing directions in W and how to apply them:
// - GANSpace (Härkönen et al. 2020): principal components of mapped w, unit directions by variance.
// - Label directions (InterFaceGAN, Shen et al. 2020): the unit normal of a linear boundary in W
//   between the mapped w of one sub-category and those of another (or of all the others), fitted
//   here by L2-regularized logistic regression.
// - Text directions (in the spirit of StyleCLIP's global directions, Patashnik et al. 2021): the
//   evaluator's text tower gives Δt = text(target) − text(neutral); each of the top GANSpace
//   directions is probed by how it moves the evaluator's image embedding, and those that move it
//   along Δt are combined (the rule is at textDirection).
// - applyEdit: w or W+ plus strength·direction on a range of W+ entries.
import { f32, type Tensor } from '../../ml/index.ts';
import { symmetricEigen } from '../evaluator/eigen.ts';
import { broadcastW, checkCode } from './codes.ts';
import { type GanConfig, numWs } from './config.ts';
import type { GanModel } from './model.ts';
import { cosine } from '../evaluator/metrics.ts';

export interface GanSpaceDirections {
  /** [k, wDim]: orthonormal directions, by decreasing variance. */
  directions: Tensor;
  /** The variance of the mapped w along each direction (its √ is a natural edit step). */
  variances: number[];
  /** The mean of the mapped w [wDim]. */
  mean: Tensor;
}

/** Row i of a [k, D] tensor as a [D] tensor. */
export function directionAt(directions: Tensor, i: number): Tensor {
  const D = directions.shape[1];
  if (!(i >= 0 && i < directions.shape[0])) throw new Error(`direction ${i} is outside 0…${directions.shape[0] - 1}`);
  return f32([D], (directions.data as Float32Array).slice(i * D, (i + 1) * D));
}

/** Mean and covariance (D×D, float64) of n rows. */
function moments(x: Float32Array, n: number, D: number): { mean: Float64Array; cov: Float64Array } {
  const mean = new Float64Array(D);
  for (let k = 0; k < n; k++) for (let j = 0; j < D; j++) mean[j] += x[k * D + j] / n;
  const cov = new Float64Array(D * D);
  const r = new Float64Array(D);
  for (let k = 0; k < n; k++) {
    for (let j = 0; j < D; j++) r[j] = x[k * D + j] - mean[j];
    for (let i = 0; i < D; i++) for (let j = i; j < D; j++) cov[i * D + j] += (r[i] * r[j]) / (n - 1);
  }
  for (let i = 0; i < D; i++) for (let j = 0; j < i; j++) cov[i * D + j] = cov[j * D + i];
  return { mean, cov };
}

/**
 * GANSpace: the top-k principal directions of `samples` mapped w (seeded; of one sub-category when
 * `class` is given). Each direction's sign is fixed so its largest entry is positive.
 */
export async function ganSpace(model: GanModel, o: { k?: number; samples?: number; seed?: number; class?: number } = {}): Promise<GanSpaceDirections> {
  const D = model.config.wDim;
  const k = Math.min(o.k ?? 10, D);
  const n = o.samples ?? 2000;
  if (n < 2) throw new Error(`GANSpace needs at least 2 samples, got ${n}`);
  const w = await model.sample({ n, seed: o.seed ?? 0, classes: o.class === undefined ? undefined : new Array(n).fill(o.class) });
  const { mean, cov } = moments(w.data as Float32Array, n, D);
  const { values, vectors } = symmetricEigen(cov, D);
  const directions = new Float32Array(k * D);
  const variances: number[] = [];
  for (let r = 0; r < k; r++) {
    const col = D - 1 - r; // eigenvalues ascend
    let big = 0;
    for (let i = 0; i < D; i++) if (Math.abs(vectors[i * D + col]) > Math.abs(vectors[big * D + col])) big = i;
    const sign = Math.sign(vectors[big * D + col]) || 1;
    for (let i = 0; i < D; i++) directions[r * D + i] = sign * vectors[i * D + col];
    variances.push(Math.max(values[col], 0));
  }
  return { directions: f32([k, D], directions), variances, mean: f32([D], Float32Array.from(mean)) };
}

export interface LabelDirection {
  /** Unit normal [wDim] of the boundary, pointing towards the positive sub-category. */
  direction: Tensor;
  /** The boundary is direction·w + bias = 0 (positive side: the positive sub-category). */
  bias: number;
  /** Fraction of the fitted samples on their side of the boundary. */
  accuracy: number;
}

/**
 * InterFaceGAN: a linear boundary in W between the mapped w of sub-category `positive` and those of
 * `negative` (another sub-category, or 'rest': classes drawn among all the others), `samples` of each.
 */
export async function labelDirection(model: GanModel, o: { positive: number; negative?: number | 'rest'; samples?: number; seed?: number; steps?: number; l2?: number }): Promise<LabelDirection> {
  const K = model.config.classes;
  if (K < 2) throw new Error(`GAN "${model.name}" has ${K ? 'one sub-category' : 'no sub-categories'}: nothing to separate`);
  const neg = o.negative ?? 'rest';
  for (const k of [o.positive, neg]) if (k !== 'rest' && !(Number.isInteger(k) && k >= 0 && k < K)) throw new Error(`class ${k} is outside 0…${K - 1}`);
  if (neg === o.positive) throw new Error('a label direction needs two different sub-categories');
  const m = o.samples ?? 200;
  const seed = o.seed ?? 0;
  const pos = await model.sample({ n: m, seed, classes: new Array(m).fill(o.positive) });
  const others = neg === 'rest' ? Array.from({ length: m }, (_, i) => ((o.positive + 1 + (i % (K - 1))) % K)) : new Array(m).fill(neg);
  const negs = await model.sample({ n: m, seed: seed + 1, classes: others });
  const x = new Float32Array(2 * m * model.config.wDim);
  x.set(pos.data as Float32Array);
  x.set(negs.data as Float32Array, pos.data.length);
  const y = Array.from({ length: 2 * m }, (_, i) => (i < m ? 1 : 0));
  return fitLogistic(x, y, model.config.wDim, o.steps ?? 500, o.l2 ?? 1e-3);
}

/**
 * L2-regularized logistic regression by gradient descent on standardized inputs (centred, one
 * global scale, so the boundary's direction in W is the fitted weight vector's).
 */
export function fitLogistic(x: Float32Array, y: readonly number[], D: number, steps: number, l2: number): LabelDirection {
  const n = y.length;
  const { mean } = moments(x, n, D);
  let sq = 0;
  for (let k = 0; k < n; k++) for (let j = 0; j < D; j++) sq += (x[k * D + j] - mean[j]) ** 2;
  const s = Math.sqrt(sq / (n * D)) || 1;
  const z = Float64Array.from(x, (v, i) => (v - mean[i % D]) / s);
  const v = new Float64Array(D);
  let b = 0;
  const lr = 0.5;
  const g = new Float64Array(D);
  for (let t = 0; t < steps; t++) {
    g.fill(0);
    let gb = 0;
    for (let k = 0; k < n; k++) {
      let a = b;
      for (let j = 0; j < D; j++) a += v[j] * z[k * D + j];
      const err = 1 / (1 + Math.exp(-a)) - y[k];
      for (let j = 0; j < D; j++) g[j] += (err * z[k * D + j]) / n;
      gb += err / n;
    }
    for (let j = 0; j < D; j++) v[j] -= lr * (g[j] + l2 * v[j]);
    b -= lr * gb;
  }
  const norm = Math.hypot(...v) || 1;
  const dir = Float32Array.from(v, (e) => e / norm);
  // f(w) = v·(w − μ)/s + b has the sign of dir·(w − μ) + b·s/‖v‖.
  let bias = (b * s) / norm;
  for (let j = 0; j < D; j++) bias -= dir[j] * mean[j];
  let right = 0;
  for (let k = 0; k < n; k++) {
    let a = bias;
    for (let j = 0; j < D; j++) a += dir[j] * x[k * D + j];
    if (a > 0 === (y[k] === 1)) right++;
  }
  return { direction: f32([D], dir), bias, accuracy: right / n };
}

export interface TextDirection {
  /** Unit direction [wDim] in W. */
  direction: Tensor;
  /** cos(Δ_i, Δt) for each probed GANSpace direction (see textDirection). */
  alignment: number[];
  /** The GANSpace directions combined. */
  used: number[];
}

/**
 * A direction in W that moves images towards `target` and away from `neutral`, by the evaluator:
 * Δt = text(target) − text(neutral). Each of the top-k GANSpace directions d_i (σ_i its standard
 * deviation) is probed on `samples` seeded w: Δ_i = mean over w of e(w + probe·σ_i·d_i) −
 * e(w − probe·σ_i·d_i), e the normalized image embedding. With c_i = cos(Δ_i, Δt), the directions
 * whose |c_i| is at least `threshold`·max|c| are combined as Σ c_i·d_i (a direction that moves the
 * image against Δt enters with its sign flipped), normalized to unit length.
 */
export async function textDirection(
  model: GanModel,
  o: { target: string; neutral: string; components?: GanSpaceDirections; k?: number; samples?: number; seed?: number; probe?: number; threshold?: number },
): Promise<TextDirection> {
  const D = model.config.wDim;
  const comps = o.components ?? (await ganSpace(model, { k: o.k ?? 10, seed: o.seed }));
  const K = Math.min(o.k ?? comps.directions.shape[0], comps.directions.shape[0]);
  const m = o.samples ?? 4;
  const probe = o.probe ?? 1;
  const texts = (await model.embedTexts([o.target, o.neutral])).data as Float32Array;
  const E = texts.length / 2;
  const dt = Float64Array.from({ length: E }, (_, i) => texts[i] - texts[E + i]);
  if (Math.hypot(...dt) < 1e-6) throw new Error(`"${o.target}" and "${o.neutral}" read the same to the evaluator: no direction between them`);
  const base = (await model.sample({ n: m, seed: (o.seed ?? 0) + 1 })).data as Float32Array;
  const dirs = comps.directions.data as Float32Array;
  // Every probe in one batch: for direction i, sample j, sign ±: row ((i·m + j)·2 + side).
  const probes = new Float32Array(K * m * 2 * D);
  for (let i = 0; i < K; i++) {
    const step = probe * Math.sqrt(comps.variances[i]);
    for (let j = 0; j < m; j++)
      for (let side = 0; side < 2; side++) {
        const sgn = side ? -1 : 1;
        const row = ((i * m + j) * 2 + side) * D;
        for (let e = 0; e < D; e++) probes[row + e] = base[j * D + e] + sgn * step * dirs[i * D + e];
      }
  }
  const emb = (await model.embedImages(await model.synthesize('w', f32([K * m * 2, D], probes)))).data as Float32Array;
  const alignment: number[] = [];
  for (let i = 0; i < K; i++) {
    const delta = new Float64Array(E);
    for (let j = 0; j < m; j++) for (let e = 0; e < E; e++) delta[e] += (emb[((i * m + j) * 2) * E + e] - emb[((i * m + j) * 2 + 1) * E + e]) / m;
    alignment.push(cosine(delta, dt));
  }
  const top = Math.max(...alignment.map(Math.abs));
  const threshold = o.threshold ?? 0.5;
  const used = alignment.flatMap((a, i) => (top > 0 && Math.abs(a) >= threshold * top ? [i] : []));
  const out = new Float64Array(D);
  for (const i of used) for (let e = 0; e < D; e++) out[e] += alignment[i] * dirs[i * D + e];
  const norm = Math.hypot(...out) || 1;
  return { direction: f32([D], Float32Array.from(out, (v) => v / norm)), alignment, used };
}

export type EditLayers = 'all' | 'coarse' | 'middle' | 'fine' | readonly [number, number];

/**
 * The W+ entries an edit touches, as [from, to) — StyleGAN's split by resolution, on numWs entries:
 * coarse 0–3 (4×4 and 8×8), middle 4–7 (16×16 and 32×32), fine 8 and up (64×64 and up). A pair
 * [from, to] names entries from…to inclusive.
 */
export function layerRange(c: GanConfig, layers: EditLayers): [number, number] {
  const n = numWs(c);
  const named: Record<string, [number, number]> = { all: [0, n], coarse: [0, Math.min(4, n)], middle: [Math.min(4, n), Math.min(8, n)], fine: [Math.min(8, n), n] };
  const [from, to] = typeof layers === 'string' ? named[layers] ?? [0, -1] : [layers[0], layers[1] + 1];
  if (typeof layers === 'string' && !named[layers]) throw new Error(`"${layers}" is not a layer range: use all, coarse, middle, fine or [from, to]`);
  if (!(Number.isInteger(from) && Number.isInteger(to) && from >= 0 && to <= n && from < to))
    throw new Error(
      typeof layers === 'string'
        ? `this generator has no ${layers} layers (its W+ has ${n} entries: coarse 0–3, middle 4–7, fine 8 on)`
        : `layers [${layers}] are outside this generator's W+ entries 0…${n - 1}`,
    );
  return [from, to];
}

/**
 * code + strength·direction on the chosen W+ entries → W+ [n, numWs, wDim]. `code` is w [n, wDim]
 * (repeated to W+ first) or W+; `direction` holds wDim values.
 */
export function applyEdit(c: GanConfig, code: Tensor, direction: Tensor, strength: number, layers: EditLayers = 'all'): Tensor {
  const D = c.wDim;
  if (direction.data.length !== D) throw new Error(`the direction has ${direction.data.length} values; this generator's W has ${D}`);
  const ws = code.shape.length === 2 ? (checkCode(c, 'w', code, 1), broadcastW(c, code)) : (checkCode(c, 'w+', code, 1), code);
  const [from, to] = layerRange(c, layers);
  const out = (ws.data as Float32Array).slice();
  const d = direction.data as Float32Array;
  const L = numWs(c);
  for (let k = 0; k < ws.shape[0]; k++) for (let i = from; i < to; i++) for (let e = 0; e < D; e++) out[(k * L + i) * D + e] += strength * d[e];
  return f32(ws.shape, out);
}

