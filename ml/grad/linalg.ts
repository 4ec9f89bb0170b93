// Gradients of matrix products. Matrices go through Gemm (its trans flags save Transpose nodes);
// batched products through MatMul, with broadcast batch dims summed back.
import type { Value } from '../builder.ts';
import { broadcastShapes } from '../ops/util.ts';
import type { GradRule } from './types.ts';
import { mul, reshape, scalarLike, sumToShape } from './util.ts';

/** Swaps the last two axes. */
function transposeLast2(x: Value): Value {
  const perm = x.shape.map((_, i) => i);
  [perm[x.rank - 2], perm[x.rank - 1]] = [perm[x.rank - 1], perm[x.rank - 2]];
  return x.b.op1('Transpose', [x], { perm });
}

const flag = (on: boolean | number) => (on ? 1 : undefined);

/** a'·b' where ' transposes the last two axes when asked: one Gemm for matrices, else MatMul. */
function product(a: Value, b: Value, ta: boolean, tb: boolean, alpha = 1): Value {
  if (a.rank === 2 && b.rank === 2)
    return a.b.op1('Gemm', [a, b], { transA: flag(ta), transB: flag(tb), alpha: alpha === 1 ? undefined : alpha });
  const y = a.b.op1('MatMul', [ta ? transposeLast2(a) : a, tb ? transposeLast2(b) : b]);
  return alpha === 1 ? y : mul(y, scalarLike(y, alpha));
}

/** dA = dY·Bᵀ and dB = Aᵀ·dY with 1-D operands promoted to matrices, and broadcast batch dims summed. */
const matMul: GradRule = (c) => {
  const a = c.x(0);
  const b = c.x(1);
  const a2 = a.rank === 1 ? reshape(a, [1, a.shape[0]]) : a;
  const b2 = b.rank === 1 ? reshape(b, [b.shape[0], 1]) : b;
  const [m, k] = a2.shape.slice(-2);
  const n = b2.shape[b2.rank - 1];
  const batch = broadcastShapes(a2.shape.slice(0, -2), b2.shape.slice(0, -2))!;
  const dy = reshape(c.dy()!, [...batch, m, n]);
  let da: Value | null = null;
  let db: Value | null = null;
  if (c.needs(0)) {
    // A stacked against one matrix B (a linear layer): a single Gemm over all rows.
    const g =
      b2.rank === 2 && a2.rank > 2
        ? reshape(product(reshape(dy, [dy.size / n, n]), b2, false, true), [...batch, m, k])
        : product(dy, b2, false, true);
    da = reshape(sumToShape(g, a2.shape), a.shape);
  }
  if (c.needs(1)) {
    // Same case for the weight: dB = Σ_batch Aᵀ·dY is one Gemm over the flattened rows.
    const g =
      b2.rank === 2 && a2.rank > 2
        ? product(reshape(a2, [a2.size / k, k]), reshape(dy, [dy.size / n, n]), true, false)
        : product(a2, dy, true, false);
    db = reshape(sumToShape(g, b2.shape), b.shape);
  }
  return [da, db];
};

/** Y = α·A'·B' + β·C, each product's gradient again one Gemm with the trans flags chosen to avoid Transpose. */
const gemm: GradRule = (c) => {
  const a = c.x(0);
  const b = c.x(1);
  const dy = c.dy()!;
  const alpha = c.attr('alpha', 1);
  const beta = c.attr('beta', 1);
  const ta = !!c.attr('transA', 0);
  const tb = !!c.attr('transB', 0);
  const da = c.needs(0) ? (ta ? product(b, dy, tb, true, alpha) : product(dy, b, false, !tb, alpha)) : null;
  const db = c.needs(1) ? (tb ? product(dy, a, true, ta, alpha) : product(a, dy, !ta, false, alpha)) : null;
  let dc: Value | null = null;
  if (c.has(2) && c.needs(2)) dc = sumToShape(beta === 1 ? dy : mul(dy, scalarLike(dy, beta)), c.x(2).shape);
  return [da, db, dc];
};

export const linalgRules: Record<string, GradRule> = { MatMul: matMul, Gemm: gemm };
