// Operators common in model zoos and exporters' output (VGG, ResNet, Inception, MobileNet,
// attention blocks): inference BatchNormalization, LRN, the remaining activations, Einsum,
// CumSum, Trilu, Hardmax, and the element-indexed scatter/gather pair.
import { isFloat } from '../dtype.ts';
import type { ValueInfo } from '../ir.ts';
import { parseEinsum } from './einsum.ts';
import type { InferCtx, OpDef } from './types.ts';

function floatIn(ctx: InferCtx, i: number, what: string): ValueInfo {
  const v = ctx.in(i);
  if (!isFloat(v.dtype)) ctx.fail(`${what} must be a float tensor, got ${v.dtype}`);
  return v;
}

const sameAsInput = (ctx: InferCtx): ValueInfo[] => [{ dtype: ctx.in(0).dtype, shape: [...ctx.in(0).shape] }];

/** A float activation y = f(x) with float attributes. */
const activation = (attrs: OpDef['attrs'] = {}): OpDef => ({
  attrs,
  infer: (ctx) => {
    floatIn(ctx, 0, 'X');
    return sameAsInput(ctx);
  },
});

function indexIn(ctx: InferCtx, i: number, what: string): ValueInfo {
  const v = ctx.in(i);
  if (v.dtype !== 'int64' && v.dtype !== 'int32') ctx.fail(`${what} must be int64 or int32, got ${v.dtype}`);
  return v;
}

export const zoo: Record<string, OpDef> = {
  /** Inference form: Y = (X − mean)/sqrt(var + ε)·scale + B, per channel (axis 1). */
  BatchNormalization: {
    attrs: { epsilon: 'float', momentum: 'float', training_mode: 'int' },
    infer: (ctx) => {
      const x = floatIn(ctx, 0, 'X');
      if (x.shape.length < 2) ctx.fail(`X must be [N, C, ...], got [${x.shape}]`);
      if (ctx.attr('training_mode', 0)) ctx.fail('training mode is not supported');
      const c = x.shape[1];
      ['scale', 'B', 'input_mean', 'input_var'].forEach((what, j) => {
        const v = ctx.in(j + 1);
        if (v.dtype !== x.dtype) ctx.fail(`${what} is ${v.dtype} but X is ${x.dtype}`);
        if (v.shape.length !== 1 || v.shape[0] !== c) ctx.fail(`${what} must have shape [${c}], got [${v.shape}]`);
      });
      return sameAsInput(ctx);
    },
  },

  /** Local response normalization across channels: x / (bias + α/size·Σ x²)^β over a window of `size` channels. */
  LRN: {
    attrs: { alpha: 'float', beta: 'float', bias: 'float', size: 'int' },
    infer: (ctx) => {
      const x = floatIn(ctx, 0, 'X');
      if (x.shape.length < 3) ctx.fail(`X must be [N, C, D1, ...], got [${x.shape}]`);
      const size = ctx.attr<number>('size');
      // onnxruntime accepts odd windows only (centred on the channel).
      if (!size || size < 1 || !Number.isInteger(size) || size % 2 === 0) ctx.fail(`size ${size} must be a positive odd integer`);
      return sameAsInput(ctx);
    },
  },

  /** y = x where x ≥ 0, slope·x elsewhere; slope broadcasts to X (unidirectionally). */
  PRelu: {
    attrs: {},
    infer: (ctx) => {
      const x = floatIn(ctx, 0, 'X');
      const s = ctx.in(1);
      if (s.dtype !== x.dtype) ctx.fail(`slope is ${s.dtype} but X is ${x.dtype}`);
      const lead = x.shape.length - s.shape.length;
      if (lead < 0 || s.shape.some((d, i) => d !== 1 && d !== x.shape[lead + i]))
        ctx.fail(`slope [${s.shape}] does not broadcast to X [${x.shape}]`);
      return sameAsInput(ctx);
    },
  },
  Elu: activation({ alpha: 'float' }),
  Selu: activation({ alpha: 'float', gamma: 'float' }),
  HardSigmoid: activation({ alpha: 'float', beta: 'float' }),
  HardSwish: activation(),
  Softsign: activation(),

  /** One-hot of the first maximum along an axis (opset 13 form). */
  Hardmax: {
    attrs: { axis: 'int' },
    infer: (ctx) => {
      const x = floatIn(ctx, 0, 'input');
      ctx.axis(ctx.attr('axis', -1), x.shape.length);
      return sameAsInput(ctx);
    },
  },

  CumSum: {
    attrs: { exclusive: 'int', reverse: 'int' },
    infer: (ctx) => {
      const x = ctx.in(0);
      const a = ctx.in(1);
      if (a.shape.length > 1 || a.shape.reduce((p, d) => p * d, 1) !== 1) ctx.fail(`axis must be a scalar, got [${a.shape}]`);
      ctx.axis(ctx.constInts(1, 'axis')[0], x.shape.length);
      return sameAsInput(ctx);
    },
  },

  /** Upper or lower triangle of the last two axes, shifted by the optional diagonal offset k. */
  Trilu: {
    attrs: { upper: 'int' },
    infer: (ctx) => {
      const x = ctx.in(0);
      if (x.shape.length < 2) ctx.fail(`input must have rank 2 or more, got [${x.shape}]`);
      if (ctx.inputs[1]) {
        const k = ctx.in(1);
        if (k.shape.length !== 0 || k.dtype !== 'int64') ctx.fail(`k must be an int64 scalar, got ${k.dtype} [${k.shape}]`);
      }
      return sameAsInput(ctx);
    },
  },

  ScatterElements: {
    attrs: { axis: 'int', reduction: 'string' },
    infer: (ctx) => {
      const data = ctx.in(0);
      const idx = indexIn(ctx, 1, 'indices');
      const upd = ctx.in(2);
      ctx.axis(ctx.attr('axis', 0), data.shape.length);
      if (upd.dtype !== data.dtype) ctx.fail(`updates are ${upd.dtype} but data is ${data.dtype}`);
      if (idx.shape.length !== data.shape.length || upd.shape.length !== idx.shape.length || upd.shape.some((d, i) => d !== idx.shape[i]))
        ctx.fail(`indices [${idx.shape}] and updates [${upd.shape}] must have one shape, of data's rank ${data.shape.length}`);
      const red = ctx.attr('reduction', 'none');
      if (!['none', 'add', 'mul'].includes(red)) ctx.fail(`reduction "${red}" is not supported`);
      return sameAsInput(ctx);
    },
  },

  GatherND: {
    attrs: { batch_dims: 'int' },
    infer: (ctx) => {
      const data = ctx.in(0);
      const idx = indexIn(ctx, 1, 'indices');
      if (ctx.attr('batch_dims', 0)) ctx.fail('batch_dims is not supported');
      const k = idx.shape[idx.shape.length - 1];
      if (!idx.shape.length || k > data.shape.length) ctx.fail(`indices [${idx.shape}] do not fit data of rank ${data.shape.length}`);
      return [{ dtype: data.dtype, shape: [...idx.shape.slice(0, -1), ...data.shape.slice(k)] }];
    },
  },

  Einsum: {
    attrs: { equation: 'string' },
    infer: (ctx) => {
      const eq = ctx.attr<string>('equation') ?? ctx.fail('the equation attribute is required');
      const ins = ctx.inputs.map((_, i) => ctx.in(i));
      if (ins.some((v) => v.dtype !== ins[0].dtype)) ctx.fail(`inputs have different types: ${ins.map((v) => v.dtype).join(', ')}`);
      const e = parseEinsum(eq, ins.map((v) => v.shape), (m) => ctx.fail(m));
      return [{ dtype: ins[0].dtype, shape: e.outShape }];
    },
  },
};
