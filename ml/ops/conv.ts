// Convolutions, pooling, padding and resizing: the spatial operators of image models.
import type { ValueInfo } from '../ir.ts';
import { isFloat } from '../dtype.ts';
import { resizeGeometry } from './resize-map.ts';
import type { InferCtx, OpDef } from './types.ts';
import { forwardWindow, kernelShape, transposedWindow } from './window.ts';

const fail = (ctx: InferCtx) => (m: string) => ctx.fail(m);

/** X must be [N, C, spatial...] of a float type. */
function spatialInput(ctx: InferCtx): ValueInfo {
  const x = ctx.in(0);
  if (x.shape.length < 3) ctx.fail(`input must be [N, C, spatial...], got [${x.shape}]`);
  if (!isFloat(x.dtype)) ctx.fail(`input is ${x.dtype}, not a float type`);
  return x;
}

/** Checks W (and B) against X for Conv (transposed=false) or ConvTranspose; returns output channels. */
function checkWeights(ctx: InferCtx, x: ValueInfo, transposed: boolean): number {
  const w = ctx.in(1);
  const group = ctx.attr('group', 1);
  if (!Number.isInteger(group) || group < 1) ctx.fail(`group ${group} must be a positive integer`);
  if (w.dtype !== x.dtype) ctx.fail(`weight is ${w.dtype}, input is ${x.dtype}`);
  if (w.shape.length !== x.shape.length) ctx.fail(`weight [${w.shape}] must have the rank of the input [${x.shape}]`);
  const c = x.shape[1];
  if (c % group) ctx.fail(`input channels ${c} are not divisible by group ${group}`);
  let m: number;
  if (!transposed) {
    m = w.shape[0];
    if (w.shape[1] * group !== c) ctx.fail(`weight [${w.shape}] expects ${w.shape[1] * group} input channels (group ${group}), input has ${c}`);
    if (m % group) ctx.fail(`output channels ${m} are not divisible by group ${group}`);
  } else {
    if (w.shape[0] !== c) ctx.fail(`weight [${w.shape}] expects ${w.shape[0]} input channels, input has ${c}`);
    m = w.shape[1] * group;
  }
  const bias = ctx.inputs[2];
  if (bias) {
    if (bias.dtype !== x.dtype) ctx.fail(`bias is ${bias.dtype}, input is ${x.dtype}`);
    if (bias.shape.length !== 1 || bias.shape[0] !== m) ctx.fail(`bias must be [${m}], got [${bias.shape}]`);
  }
  return m;
}

const convAttrs = { auto_pad: 'string', dilations: 'ints', group: 'int', kernel_shape: 'ints', pads: 'ints', strides: 'ints' } as const;
const poolAttrs = { auto_pad: 'string', ceil_mode: 'int', dilations: 'ints', kernel_shape: 'ints', pads: 'ints', strides: 'ints' } as const;

function inferPool(ctx: InferCtx): ValueInfo {
  const x = spatialInput(ctx);
  const n = x.shape.length - 2;
  const k = kernelShape(ctx.node.attrs, n, fail(ctx));
  const w = forwardWindow(ctx.node.attrs, x.shape.slice(2), k, fail(ctx), !!ctx.attr('ceil_mode', 0));
  return { dtype: x.dtype, shape: [x.shape[0], x.shape[1], ...w.outSize] };
}

function inferGlobalPool(ctx: InferCtx): ValueInfo[] {
  const x = spatialInput(ctx);
  return [{ dtype: x.dtype, shape: [x.shape[0], x.shape[1], ...x.shape.slice(2).map(() => 1)] }];
}

export const conv: Record<string, OpDef> = {
  Conv: {
    attrs: convAttrs,
    infer: (ctx) => {
      const x = spatialInput(ctx);
      const m = checkWeights(ctx, x, false);
      const n = x.shape.length - 2;
      const k = kernelShape(ctx.node.attrs, n, fail(ctx), ctx.in(1).shape.slice(2));
      const w = forwardWindow(ctx.node.attrs, x.shape.slice(2), k, fail(ctx));
      return [{ dtype: x.dtype, shape: [x.shape[0], m, ...w.outSize] }];
    },
  },
  ConvTranspose: {
    attrs: { ...convAttrs, output_padding: 'ints', output_shape: 'ints' },
    infer: (ctx) => {
      const x = spatialInput(ctx);
      const m = checkWeights(ctx, x, true);
      const n = x.shape.length - 2;
      const k = kernelShape(ctx.node.attrs, n, fail(ctx), ctx.in(1).shape.slice(2));
      const w = transposedWindow(ctx.node.attrs, x.shape.slice(2), k, fail(ctx));
      return [{ dtype: x.dtype, shape: [x.shape[0], m, ...w.outSize] }];
    },
  },
  AveragePool: {
    attrs: { ...poolAttrs, count_include_pad: 'int' },
    infer: (ctx) => [inferPool(ctx)],
  },
  MaxPool: {
    attrs: { ...poolAttrs, storage_order: 'int' },
    infer: (ctx) => {
      const y = inferPool(ctx);
      return [y, { dtype: 'int64', shape: [...y.shape] }];
    },
  },
  GlobalAveragePool: { attrs: {}, infer: inferGlobalPool },
  GlobalMaxPool: { attrs: {}, infer: inferGlobalPool },
  Pad: {
    attrs: { mode: 'string' },
    infer: (ctx) => {
      const x = ctx.in(0);
      const r = x.shape.length;
      const mode = ctx.attr<string>('mode', 'constant');
      if (!['constant', 'reflect', 'edge', 'wrap'].includes(mode)) ctx.fail(`mode "${mode}" is not supported`);
      const pads = ctx.constInts(1, 'pads');
      const axes = ctx.inputs[3] ? ctx.constInts(3, 'axes').map((a) => ctx.axis(a, r)) : x.shape.map((_, i) => i);
      if (pads.length !== 2 * axes.length) ctx.fail(`pads has ${pads.length} entries, expected ${2 * axes.length}`);
      const cv = ctx.inputs[2];
      if (cv && (cv.dtype !== x.dtype || cv.shape.reduce((a, b) => a * b, 1) !== 1))
        ctx.fail(`constant_value must be one ${x.dtype}, got ${cv.dtype} [${cv.shape}]`);
      const shape = [...x.shape];
      axes.forEach((a, j) => {
        const [pb, pe] = [pads[j], pads[j + axes.length]];
        shape[a] = x.shape[a] + pb + pe;
        if (shape[a] < 0) ctx.fail(`pads ${pb}, ${pe} leave a negative size on axis ${a}`);
        if (mode === 'reflect' && (pb >= x.shape[a] || pe >= x.shape[a])) ctx.fail(`reflect pads must be smaller than the size ${x.shape[a]} of axis ${a}`);
        if (mode !== 'constant' && x.shape[a] === 0 && pb + pe > 0) ctx.fail(`cannot ${mode}-pad the empty axis ${a}`);
      });
      return [{ dtype: x.dtype, shape }];
    },
  },
  Resize: {
    attrs: {
      antialias: 'int',
      axes: 'ints',
      coordinate_transformation_mode: 'string',
      cubic_coeff_a: 'float',
      exclude_outside: 'int',
      extrapolation_value: 'float',
      keep_aspect_ratio_policy: 'string',
      mode: 'string',
      nearest_mode: 'string',
    },
    infer: (ctx) => {
      const x = ctx.in(0);
      const mode = ctx.attr<string>('mode', 'nearest');
      if (!['nearest', 'linear', 'cubic'].includes(mode)) ctx.fail(`mode "${mode}" is not supported`);
      if (ctx.attr('antialias', 0)) ctx.fail('antialias is not supported');
      const scales = ctx.inputs[2] ? ctx.constInts(2, 'scales') : null;
      const sizes = ctx.inputs[3] ? ctx.constInts(3, 'sizes') : null;
      const g = resizeGeometry(ctx.node.attrs, x.shape, scales, sizes, fail(ctx));
      return [{ dtype: x.dtype, shape: g.outSize }];
    },
  },
};
