// Multi-head attention over [batch, tokens, dim] sequences: self-attention, or cross-attention when a
// context is given. Projections are named to_q/to_k/to_v/to_out like diffusers' Attention, so
// Stable-Diffusion-style checkpoints and LoRA files map onto it (to_out.0 → to_out by the loader).
import type { Value } from '../builder.ts';
import { Linear } from './linear.ts';
import { Module, type Parent } from './module.ts';

export interface AttentionOptions {
  heads: number;
  /** Feature size of the context for cross-attention (default: dim). */
  contextDim?: number;
  /** Bias on the q/k/v projections (diffusers default: none). */
  qkvBias?: boolean;
  /** Bias on the output projection (default: yes). */
  outBias?: boolean;
}

export class Attention extends Module {
  readonly heads: number;
  readonly headDim: number;
  to_q: Linear;
  to_k: Linear;
  to_v: Linear;
  to_out: Linear;

  constructor(
    parent: Parent,
    name: string,
    readonly dim: number,
    opts: AttentionOptions,
  ) {
    super(parent, name);
    this.heads = opts.heads;
    if (dim % this.heads) throw new Error(`Attention "${this.path}": dim ${dim} is not divisible by ${this.heads} heads`);
    this.headDim = dim / this.heads;
    const ctx = opts.contextDim ?? dim;
    const bias = opts.qkvBias ?? false;
    this.to_q = new Linear(this, 'to_q', dim, dim, { bias });
    this.to_k = new Linear(this, 'to_k', ctx, dim, { bias });
    this.to_v = new Linear(this, 'to_v', ctx, dim, { bias });
    this.to_out = new Linear(this, 'to_out', dim, dim, { bias: opts.outBias ?? true });
  }

  /**
   * x [B, Lq, dim]; context [B, Lk, contextDim] (default x); mask, optional, is added to the
   * scores [B, heads, Lq, Lk] before the softmax (0 to keep, a large negative to drop).
   */
  forward(x: Value, context?: Value, mask?: Value): Value {
    if (x.rank !== 3 || x.shape[2] !== this.dim) throw new Error(`Attention "${this.path}": expects [B, L, ${this.dim}], got [${x.shape}]`);
    return this.scoped(() => {
      const b = this.b;
      const c = context ?? x;
      // Scaling q (Lq·d elements) rather than the scores (Lq·Lk) is the same math, cheaper.
      const q = b.op1('Mul', [this.to_q.forward(x), b.scalar(1 / Math.sqrt(this.headDim), x.dtype)]);
      const qh = this.splitHeads(q, [0, 2, 1, 3]); // [B, H, Lq, d]
      const kt = this.splitHeads(this.to_k.forward(c), [0, 2, 3, 1]); // [B, H, d, Lk]
      const vh = this.splitHeads(this.to_v.forward(c), [0, 2, 1, 3]); // [B, H, Lk, d]
      let scores = b.op1('MatMul', [qh, kt]);
      if (mask) scores = b.op1('Add', [scores, mask]);
      const attn = b.op1('Softmax', [scores], { axis: -1 });
      const o = b.op1('Transpose', [b.op1('MatMul', [attn, vh])], { perm: [0, 2, 1, 3] }); // [B, Lq, H, d]
      return this.to_out.forward(b.op1('Reshape', [o, b.ints([0, 0, this.dim])]));
    });
  }

  /** [B, L, H·d] → [B, L, H, d] → transposed by perm. */
  private splitHeads(t: Value, perm: number[]): Value {
    const b = this.b;
    return b.op1('Transpose', [b.op1('Reshape', [t, b.ints([0, 0, this.heads, this.headDim])])], { perm });
  }
}
