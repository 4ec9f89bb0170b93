// Vector quantization as in VQ-VAE (van den Oord et al. 2017): each encoder vector is replaced by
// its nearest codebook entry (Euclidean distance), straight-through to the encoder; the codebook
// learns from ‖sg(z) − e‖² and the encoder is held near its code by β·‖z − sg(e)‖². Kept as the
// teaching contrast to FSQ: with this plain recipe most codes are never picked and stop learning
// (codebook collapse), which the code-usage report shows.
import { Module, type Params, uniform, type Value } from '../../ml/index.ts';
import type { Quantized } from './fsq.ts';
import { stopGradient } from './stop-gradient.ts';

type Parent = Params | Module;

export interface VqQuantized extends Quantized {
  /** mean over entries of (sg(z) − e)²: moves the codebook only. */
  codebookLoss: Value;
  /** β · mean of (z − sg(e))²: moves the encoder only. */
  commitmentLoss: Value;
}

export class VectorQuantizer extends Module {
  /** [codes, dim]. */
  readonly codebook: Value;

  constructor(
    parent: Parent,
    name: string,
    readonly codes: number,
    readonly dim: number,
    readonly beta: number,
  ) {
    super(parent, name);
    // VQ-VAE's initialization: U(−1/K, 1/K), a small cloud at the origin.
    this.codebook = this.param('codebook', uniform([codes, dim], this.p.rng, -1 / codes, 1 / codes));
  }

  /** z [B, dim, h, w] → nearest codes (straight-through), indices [B, h·w] and the two losses. */
  forward(z: Value): VqQuantized {
    const [B, D, h, w] = z.shape;
    return this.scoped(() => {
      const b = this.b;
      const E = this.codebook;
      const flat = this.rows(z);
      const nearest = nearestCode(flat, E);
      const e = b.op1('Gather', [E, nearest], { axis: 0 });
      const st = b.op1('Add', [flat, stopGradient(b.op1('Sub', [e, flat]))]);
      const codes = b.op1('Transpose', [b.op1('Reshape', [st, b.ints([B, h, w, D])])], { perm: [0, 3, 1, 2] });
      const meanSq = (a: Value, c: Value) => {
        const d = b.op1('Sub', [a, c]);
        return b.op1('ReduceMean', [b.op1('Mul', [d, d])], { keepdims: 0 });
      };
      return {
        codes,
        indices: b.op1('Reshape', [nearest, b.ints([B, h * w])]),
        codebookLoss: meanSq(stopGradient(flat), e),
        commitmentLoss: b.op1('Mul', [meanSq(flat, stopGradient(e)), b.scalar(this.beta)]),
      };
    });
  }

  /** Only the token ids [B, h·w] of z (the encode graph's output). */
  tokenIds(z: Value): Value {
    const [B, , h, w] = z.shape;
    return this.scoped(() => this.b.op1('Reshape', [nearestCode(this.rows(z), this.codebook), this.b.ints([B, h * w])]));
  }

  /** z [B, dim, h, w] → [B·h·w, dim]: one row per token, raster order within each image. */
  private rows(z: Value): Value {
    const [B, D, h, w] = z.shape;
    if (z.rank !== 4 || D !== this.dim) throw new Error(`VQ "${this.path}": expects [B, ${this.dim}, h, w], got [${z.shape}]`);
    return this.b.op1('Reshape', [this.b.op1('Transpose', [z], { perm: [0, 2, 3, 1] }), this.b.ints([B * h * w, D])]);
  }
}

/** Index of the nearest row of E [K, D] for each row of x [N, D]: argmin ‖x‖² − 2x·eᵀ + ‖e‖². */
export function nearestCode(x: Value, E: Value): Value {
  const b = x.b;
  const sq = (v: Value, keepdims: number) => b.op1('ReduceSum', [b.op1('Mul', [v, v]), b.ints([1])], { keepdims });
  const cross = b.op1('MatMul', [x, b.op1('Transpose', [E], { perm: [1, 0] })]);
  const dist = b.op1('Add', [b.op1('Sub', [sq(x, 1), b.op1('Mul', [cross, b.scalar(2)])]), sq(E, 0)]);
  return b.op1('ArgMin', [dist], { axis: 1, keepdims: 0 });
}
