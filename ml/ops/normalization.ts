// Softmax family and normalization layers (opset 17 forms).
import { dtypeFromOnnx, isFloat, ONNX_DTYPE, type DType } from '../dtype.ts';
import type { ValueInfo } from '../ir.ts';
import type { InferCtx, OpDef } from './types.ts';

const fmt = (s: readonly number[]) => `[${s.join(', ')}]`;

function floatInput(ctx: InferCtx, i: number, what: string): ValueInfo {
  const v = ctx.in(i);
  if (!isFloat(v.dtype)) ctx.fail(`${what} must be a float tensor, got ${v.dtype}`);
  return v;
}

/** Softmax/LogSoftmax (opset 13): normalizes along one axis, default the last. */
const softmaxLike: OpDef = {
  attrs: { axis: 'int' },
  infer: (ctx) => {
    const x = floatInput(ctx, 0, 'input');
    ctx.axis(ctx.attr<number>('axis', -1), x.shape.length);
    return [{ dtype: x.dtype, shape: [...x.shape] }];
  },
};

function stashDtype(ctx: InferCtx): DType {
  const code = ctx.attr<number>('stash_type', 1);
  const known = Object.values(ONNX_DTYPE).includes(code);
  const d = known ? dtypeFromOnnx(code) : undefined;
  if (!d || !isFloat(d)) ctx.fail(`stash_type ${code} is not a float element type`);
  return d;
}

/** Trailing shape [axis, rank) that LayerNormalization normalizes over. */
export function layerNormAxis(ctx: { fail(m: string): never }, axis: number, rank: number): number {
  const a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= rank) ctx.fail(`axis ${axis} is out of range for rank ${rank}`);
  return a;
}

/**
 * Scale and B broadcast against X (onnxruntime ≥ 1.20 accepts any unidirectional broadcast of rank
 * ≤ rank(X), e.g. [D], [1, D] or a per-row [N, 1, D]; the ONNX spec's normalized shape is one case).
 */
function checkAffine(ctx: InferCtx, i: number, what: string, x: ValueInfo) {
  const v = ctx.inputs[i];
  if (!v) return;
  if (v.dtype !== x.dtype) ctx.fail(`${what} is ${v.dtype} but X is ${x.dtype}`);
  const lead = x.shape.length - v.shape.length;
  if (lead < 0 || v.shape.some((d, j) => d !== 1 && d !== x.shape[lead + j]))
    ctx.fail(`${what} has shape ${fmt(v.shape)}, which does not broadcast to X's shape ${fmt(x.shape)}`);
}

export const normalization: Record<string, OpDef> = {
  Softmax: softmaxLike,
  LogSoftmax: softmaxLike,

  /** Y = (X − mean)/sqrt(var + ε)·Scale + B over axes [axis, rank); Mean and InvStdDev keep dims, in stash_type. */
  LayerNormalization: {
    attrs: { axis: 'int', epsilon: 'float', stash_type: 'int' },
    infer: (ctx) => {
      const x = floatInput(ctx, 0, 'X');
      if (!x.shape.length) ctx.fail('X must have rank 1 or more');
      const axis = layerNormAxis(ctx, ctx.attr<number>('axis', -1), x.shape.length);
      // onnxruntime rejects a node without Scale, although the builder could default it.
      if (!ctx.inputs[1]) ctx.fail('Scale (input 1) is required');
      checkAffine(ctx, 1, 'Scale', x);
      checkAffine(ctx, 2, 'B', x);
      const stashType = stashDtype(ctx);
      const statShape = x.shape.map((d, i) => (i < axis ? d : 1));
      return [
        { dtype: x.dtype, shape: [...x.shape] },
        { dtype: stashType, shape: statShape },
        { dtype: stashType, shape: [...statShape] },
      ];
    },
  },

  /** Per (n, c) normalization over the spatial axes of [N, C, D1, ...], then scale[c]·x̂ + B[c]. */
  InstanceNormalization: {
    attrs: { epsilon: 'float' },
    infer: (ctx) => {
      const x = floatInput(ctx, 0, 'input');
      if (x.shape.length < 3) ctx.fail(`input must be [N, C, D1, ...], got ${fmt(x.shape)}`);
      const c = x.shape[1];
      for (const [i, what] of [[1, 'scale'], [2, 'B']] as const) {
        const v = ctx.in(i);
        if (v.dtype !== x.dtype) ctx.fail(`${what} is ${v.dtype} but input is ${x.dtype}`);
        if (v.shape.length !== 1 || v.shape[0] !== c) ctx.fail(`${what} must have shape [${c}], got ${fmt(v.shape)}`);
      }
      return [{ dtype: x.dtype, shape: [...x.shape] }];
    },
  },
};
