// Matrix products: MatMul (NumPy semantics, batch dims broadcast) and Gemm.
import type { ValueInfo } from '../ir.ts';
import type { InferCtx, OpDef } from './types.ts';
import { broadcastShapes } from './util.ts';

function sameFloatType(ctx: InferCtx, ins: ValueInfo[]) {
  const t = ins[0].dtype;
  if (ins.some((v) => v.dtype !== t)) ctx.fail(`inputs have different types: ${ins.map((v) => v.dtype).join(', ')}`);
}

/** Output shape of a NumPy matmul: 1-D operands gain a dim for the product and lose it after. */
export function matmulShape(a: readonly number[], b: readonly number[], fail: (m: string) => never): number[] {
  if (!a.length || !b.length) fail(`operands must have rank at least 1, got [${a}] and [${b}]`);
  const a2 = a.length === 1 ? [1, a[0]] : a;
  const b2 = b.length === 1 ? [b[0], 1] : b;
  const k = a2[a2.length - 1];
  if (b2[b2.length - 2] !== k) fail(`inner dimensions differ: [${a}] @ [${b}]`);
  const batch = broadcastShapes(a2.slice(0, -2), b2.slice(0, -2));
  if (!batch) fail(`batch dimensions of [${a}] and [${b}] do not broadcast`);
  const out = [...batch];
  if (a.length > 1) out.push(a2[a2.length - 2]);
  if (b.length > 1) out.push(b2[b2.length - 1]);
  return out;
}

export const linalg: Record<string, OpDef> = {
  MatMul: {
    attrs: {},
    infer: (ctx) => {
      const a = ctx.in(0);
      const b = ctx.in(1);
      sameFloatType(ctx, [a, b]);
      return [{ dtype: a.dtype, shape: matmulShape(a.shape, b.shape, (m) => ctx.fail(m)) }];
    },
  },
  Gemm: {
    attrs: { alpha: 'float', beta: 'float', transA: 'int', transB: 'int' },
    infer: (ctx) => {
      const a = ctx.in(0);
      const b = ctx.in(1);
      const c = ctx.inputs[2] ?? null;
      sameFloatType(ctx, c ? [a, b, c] : [a, b]);
      if (a.shape.length !== 2 || b.shape.length !== 2) ctx.fail(`A and B must be matrices, got [${a.shape}] and [${b.shape}]`);
      const [m, ka] = ctx.attr('transA', 0) ? [a.shape[1], a.shape[0]] : a.shape;
      const [kb, n] = ctx.attr('transB', 0) ? [b.shape[1], b.shape[0]] : b.shape;
      if (ka !== kb) ctx.fail(`inner dimensions differ: A' is [${m}, ${ka}], B' is [${kb}, ${n}]`);
      if (c) {
        const s = broadcastShapes(c.shape, [m, n]);
        if (c.shape.length > 2 || !s || s[0] !== m || s[1] !== n) ctx.fail(`C [${c.shape}] does not broadcast to [${m}, ${n}]`);
      }
      return [{ dtype: a.dtype, shape: [m, n] }];
    },
  },
};
