// Shape operators: reshaping, indexing, concatenation, and the shape arithmetic exporters emit.
// Every output shape must be static, so shape-like inputs (Reshape's shape, Slice's starts, ...)
// must be constants at build time; `fold` evaluates these ops on small constants.
import type { DType } from '../dtype.ts';
import type { ValueInfo } from '../ir.ts';
import { sizeOf, tensor, toNumbers, type Tensor } from '../tensor.ts';
import * as K from './shape-kernels.ts';
import type { InferCtx, OpDef } from './types.ts';
import { broadcastShapes } from './util.ts';

const INDEX_TYPES: readonly DType[] = ['int64', 'int32'];

function indexInput(ctx: InferCtx, i: number, what: string): ValueInfo {
  const v = ctx.in(i);
  if (!INDEX_TYPES.includes(v.dtype)) ctx.fail(`${what} (input ${i}) must be int64 or int32, not ${v.dtype}`);
  return v;
}

/** A constant 1-D int64/int32 input (shape, axes, starts...), or undefined when the input is omitted. */
function optionalInts(ctx: InferCtx, i: number, what: string): number[] | undefined {
  if (!ctx.inputs[i]) return undefined;
  const v = indexInput(ctx, i, what);
  if (v.shape.length > 1) ctx.fail(`${what} must be 1-D, got shape [${v.shape}]`);
  return ctx.constInts(i, what);
}

function ints(ctx: InferCtx, i: number, what: string): number[] {
  const v = optionalInts(ctx, i, what);
  if (!v) ctx.fail(`${what} (input ${i}) is required`);
  return v;
}

/** Distinct, normalized axes against `rank`. */
function uniqueAxes(ctx: InferCtx, axes: readonly number[], rank: number): number[] {
  const out = axes.map((a) => ctx.axis(a, rank));
  if (new Set(out).size !== out.length) ctx.fail(`axes [${axes}] repeat an axis`);
  return out;
}

const same = (x: ValueInfo, shape: number[]): ValueInfo[] => [{ dtype: x.dtype, shape }];
const reshaped = (t: Tensor, shape: readonly number[]): Tensor => ({ dtype: t.dtype, shape: [...shape], data: t.data.slice() });

function transposePerm(ctx: InferCtx): number[] {
  const r = ctx.in(0).shape.length;
  const perm = ctx.attr<number[]>('perm') ?? Array.from({ length: r }, (_, i) => r - 1 - i);
  if (perm.length !== r || [...perm].sort((a, b) => a - b).some((p, i) => p !== i))
    ctx.fail(`perm [${perm}] is not a permutation of ${r} axes`);
  return perm;
}

function sliceAxes(ctx: InferCtx): K.SliceAxis[] {
  const x = ctx.in(0);
  const res = K.sliceAxes(
    x.shape,
    ints(ctx, 1, 'starts'),
    ints(ctx, 2, 'ends'),
    optionalInts(ctx, 3, 'axes'),
    optionalInts(ctx, 4, 'steps'),
  );
  if (typeof res === 'string') ctx.fail(res);
  return res;
}

/** Split sizes: the `split` input, or equal parts (num_outputs attribute or the number of outputs). */
function splitSizes(ctx: InferCtx): { axis: number; sizes: number[] } {
  const x = ctx.in(0);
  const axis = ctx.axis(ctx.attr('axis', 0), x.shape.length);
  const dim = x.shape[axis];
  const n = ctx.node.outputs.length;
  const given = optionalInts(ctx, 1, 'split');
  if (given) {
    if (given.length !== n) ctx.fail(`split [${given}] has ${given.length} parts for ${n} outputs`);
    if (given.some((s) => s < 0) || given.reduce((a, b) => a + b, 0) !== dim)
      ctx.fail(`split [${given}] does not add up to dimension ${dim} of axis ${axis}`);
    return { axis, sizes: given };
  }
  const parts = ctx.attr<number>('num_outputs');
  if (parts !== undefined) {
    // Opset 18 semantics: equal chunks of ceil(dim / n), the last one smaller.
    if (parts !== n) ctx.fail(`num_outputs ${parts} but the node has ${n} outputs`);
    const chunk = Math.ceil(dim / n);
    const sizes = Array.from({ length: n }, (_, i) => Math.max(0, Math.min(chunk, dim - i * chunk)));
    if (sizes.some((s) => s === 0)) ctx.fail(`cannot split ${dim} into ${n} non-empty parts`);
    return { axis, sizes };
  }
  if (dim % n) ctx.fail(`dimension ${dim} of axis ${axis} does not split into ${n} equal parts`);
  return { axis, sizes: new Array(n).fill(dim / n) };
}

function checkIndices(ctx: InferCtx, i: number, dim: number) {
  const c = ctx.consts[i];
  if (!c) return;
  for (const v of toNumbers(c)) if (v < -dim || v >= dim) ctx.fail(`index ${v} is out of range for a dimension of ${dim}`);
}

function gatherAxis(ctx: InferCtx): number {
  return ctx.axis(ctx.attr('axis', 0), ctx.in(0).shape.length);
}

function unsqueezeShape(ctx: InferCtx): number[] {
  const x = ctx.in(0);
  const axes = ints(ctx, 1, 'axes');
  const rank = x.shape.length + axes.length;
  const at = new Set(uniqueAxes(ctx, axes, rank));
  const rest = [...x.shape];
  return Array.from({ length: rank }, (_, i) => (at.has(i) ? 1 : rest.shift()!));
}

function squeezeShape(ctx: InferCtx): number[] {
  const x = ctx.in(0);
  const given = optionalInts(ctx, 1, 'axes');
  // No axes (or an empty list, as onnxruntime reads it) removes every dimension of size 1.
  if (!given?.length) return x.shape.filter((d) => d !== 1);
  const axes = new Set(uniqueAxes(ctx, given, x.shape.length));
  for (const a of axes) if (x.shape[a] !== 1) ctx.fail(`cannot squeeze axis ${a} of size ${x.shape[a]}`);
  return x.shape.filter((_, i) => !axes.has(i));
}

function expandShape(ctx: InferCtx): number[] {
  const x = ctx.in(0);
  const target = ints(ctx, 1, 'shape');
  if (target.some((d) => d < 0)) ctx.fail(`negative dimension in shape [${target}]`);
  const out = broadcastShapes(x.shape, target);
  if (!out) ctx.fail(`cannot expand [${x.shape}] to [${target}]`);
  return out;
}

function tileRepeats(ctx: InferCtx): number[] {
  const x = ctx.in(0);
  const repeats = ints(ctx, 1, 'repeats');
  if (repeats.length !== x.shape.length) ctx.fail(`repeats [${repeats}] has ${repeats.length} entries for rank ${x.shape.length}`);
  if (repeats.some((r) => r < 0)) ctx.fail(`negative repeat in [${repeats}]`);
  return repeats;
}

function shapeRange(ctx: InferCtx): [number, number] {
  const r = ctx.in(0).shape.length;
  const norm = (v: number) => Math.min(Math.max(v < 0 ? v + r : v, 0), r);
  return [norm(ctx.attr('start', 0)), norm(ctx.attr('end', r))];
}

/** The tensor a Constant node holds, from whichever value attribute it has. */
function constantValue(ctx: InferCtx): Tensor {
  const a = ctx.node.attrs;
  const present = Object.keys(a).filter((k) => k.startsWith('value') || k === 'sparse_value');
  if (present.length !== 1) ctx.fail(`needs exactly one value attribute, got ${present.length ? present.join(', ') : 'none'}`);
  const v = a[present[0]];
  switch (present[0]) {
    case 'value':
      return v as Tensor;
    case 'value_float':
      return tensor('float32', [], [v as number]);
    case 'value_floats':
      return tensor('float32', [(v as number[]).length], v as number[]);
    case 'value_int':
      return tensor('int64', [], [v as number]);
    case 'value_ints':
      return tensor('int64', [(v as number[]).length], v as number[]);
    default:
      return ctx.fail(`${present[0]} is not supported (only numeric dense tensors)`);
  }
}

function rangeArgs(ctx: InferCtx): [number, number, number] {
  const d = ctx.in(0).dtype;
  for (let i = 0; i < 3; i++) {
    const v = ctx.in(i);
    if (v.shape.length !== 0) ctx.fail(`input ${i} must be a scalar, got [${v.shape}]`);
    if (v.dtype !== d) ctx.fail(`inputs have different types: ${d} and ${v.dtype}`);
  }
  const [start, limit, delta] = [0, 1, 2].map((i) => ctx.constInts(i, ['start', 'limit', 'delta'][i])[0]);
  if (delta === 0) ctx.fail('delta is 0');
  return [start, limit, delta];
}

function scatterNDCheck(ctx: InferCtx): ValueInfo {
  const data = ctx.in(0);
  const idx = indexInput(ctx, 1, 'indices');
  const upd = ctx.in(2);
  if (upd.dtype !== data.dtype) ctx.fail(`updates are ${upd.dtype} but data is ${data.dtype}`);
  const k = idx.shape[idx.shape.length - 1];
  if (idx.shape.length < 1 || k > data.shape.length) ctx.fail(`indices of shape [${idx.shape}] do not fit data of rank ${data.shape.length}`);
  const want = [...idx.shape.slice(0, -1), ...data.shape.slice(k)];
  if (want.length !== upd.shape.length || want.some((d, i) => d !== upd.shape[i]))
    ctx.fail(`updates must have shape [${want}], got [${upd.shape}]`);
  const red = ctx.attr('reduction', 'none');
  if (!['none', 'add', 'mul', 'max', 'min'].includes(red)) ctx.fail(`unknown reduction "${red}"`);
  return data;
}

export const shapeOps: Record<string, OpDef> = {
  ConstantOfShape: {
    attrs: { value: 'tensor' },
    infer: (ctx) => {
      const shape = ctx.constInts(0, 'shape');
      if (shape.some((d) => d < 0)) ctx.fail(`negative dimension in [${shape}]`);
      const v = ctx.attr<Tensor>('value');
      if (v && v.data.length !== 1) ctx.fail(`value must hold one element, got ${v.data.length}`);
      return [{ dtype: v?.dtype ?? 'float32', shape }];
    },
    fold: (ins, ctx) => {
      const shape = toNumbers(ins[0]!);
      const v = ctx.node.attrs.value as Tensor | undefined;
      const out = tensor(v?.dtype ?? 'float32', shape);
      if (v) (out.data as Float32Array).fill(v.data[0] as never);
      return [out];
    },
  },

  Reshape: {
    attrs: { allowzero: 'int' },
    infer: (ctx) => {
      const x = ctx.in(0);
      const spec = ints(ctx, 1, 'shape');
      const allowzero = ctx.attr('allowzero', 0);
      if (allowzero && spec.includes(0) && spec.includes(-1)) ctx.fail(`shape [${spec}] has both 0 and -1 with allowzero`);
      const shape = spec.map((d, i) => {
        if (d === 0 && !allowzero) {
          if (i >= x.shape.length) ctx.fail(`shape [${spec}] copies dimension ${i}, but the input has rank ${x.shape.length}`);
          return x.shape[i];
        }
        if (d < -1) ctx.fail(`invalid dimension ${d} in shape [${spec}]`);
        return d;
      });
      const known = shape.filter((d) => d !== -1).reduce((a, b) => a * b, 1);
      const holes = shape.filter((d) => d === -1).length;
      if (holes > 1) ctx.fail(`shape [${spec}] has more than one -1`);
      if (holes) {
        if (known === 0 || sizeOf(x.shape) % known) ctx.fail(`cannot reshape [${x.shape}] to [${spec}]`);
        shape[shape.indexOf(-1)] = sizeOf(x.shape) / known;
      }
      if (sizeOf(shape) !== sizeOf(x.shape)) ctx.fail(`cannot reshape [${x.shape}] (${sizeOf(x.shape)} elements) to [${spec}]`);
      return [{ dtype: x.dtype, shape }];
    },
    fold: (ins, ctx) => [reshaped(ins[0]!, shapeOps.Reshape.infer(ctx)[0].shape)],
  },

  Flatten: {
    attrs: { axis: 'int' },
    infer: (ctx) => {
      const x = ctx.in(0);
      const r = x.shape.length;
      const a0 = ctx.attr('axis', 1);
      const a = a0 < 0 ? a0 + r : a0;
      if (a < 0 || a > r) ctx.fail(`axis ${a0} is out of range for rank ${r}`);
      return same(x, [sizeOf(x.shape.slice(0, a)), sizeOf(x.shape.slice(a))]);
    },
    fold: (ins, ctx) => [reshaped(ins[0]!, shapeOps.Flatten.infer(ctx)[0].shape)],
  },

  Transpose: {
    attrs: { perm: 'ints' },
    infer: (ctx) => same(ctx.in(0), K.transposeShape(ctx.in(0).shape, transposePerm(ctx))),
    fold: (ins, ctx) => [K.transpose(ins[0]!, transposePerm(ctx))],
  },

  Concat: {
    attrs: { axis: 'int' },
    infer: (ctx) => {
      if (ctx.node.attrs.axis === undefined) ctx.fail('the axis attribute is required');
      const ins = ctx.inputs.map((_, i) => ctx.in(i));
      if (!ins.length) ctx.fail('needs at least one input');
      const first = ins[0];
      const axis = ctx.axis(ctx.attr('axis', 0), first.shape.length);
      const shape = [...first.shape];
      shape[axis] = 0;
      for (const v of ins) {
        if (v.dtype !== first.dtype) ctx.fail(`inputs have different types: ${first.dtype} and ${v.dtype}`);
        if (v.shape.length !== first.shape.length || v.shape.some((d, i) => i !== axis && d !== first.shape[i]))
          ctx.fail(`shapes ${ins.map((s) => `[${s.shape}]`).join(', ')} differ outside axis ${axis}`);
        shape[axis] += v.shape[axis];
      }
      return same(first, shape);
    },
    fold: (ins, ctx) => [K.concat(ins as Tensor[], ctx.axis(ctx.attr('axis', 0), ins[0]!.shape.length))],
  },

  Split: {
    attrs: { axis: 'int', num_outputs: 'int' },
    infer: (ctx) => {
      const x = ctx.in(0);
      const { axis, sizes } = splitSizes(ctx);
      return sizes.map((s) => {
        const shape = [...x.shape];
        shape[axis] = s;
        return { dtype: x.dtype, shape };
      });
    },
    fold: (ins, ctx) => {
      const { axis, sizes } = splitSizes(ctx);
      return K.split(ins[0]!, axis, sizes);
    },
  },

  Slice: {
    attrs: {},
    infer: (ctx) => same(ctx.in(0), K.sliceShape(ctx.in(0).shape, sliceAxes(ctx))),
    fold: (ins, ctx) => [K.slice(ins[0]!, sliceAxes(ctx))],
  },

  Gather: {
    attrs: { axis: 'int' },
    infer: (ctx) => {
      const x = ctx.in(0);
      const idx = indexInput(ctx, 1, 'indices');
      const a = gatherAxis(ctx);
      checkIndices(ctx, 1, x.shape[a]);
      return same(x, [...x.shape.slice(0, a), ...idx.shape, ...x.shape.slice(a + 1)]);
    },
    fold: (ins, ctx) => [K.gather(ins[0]!, ins[1]!, gatherAxis(ctx))],
  },

  GatherElements: {
    attrs: { axis: 'int' },
    infer: (ctx) => {
      const x = ctx.in(0);
      const idx = indexInput(ctx, 1, 'indices');
      const a = gatherAxis(ctx);
      if (idx.shape.length !== x.shape.length) ctx.fail(`indices have rank ${idx.shape.length}, data ${x.shape.length}`);
      checkIndices(ctx, 1, x.shape[a]);
      return same(x, [...idx.shape]);
    },
    fold: (ins, ctx) => [K.gatherElements(ins[0]!, ins[1]!, gatherAxis(ctx))],
  },

  ScatterND: {
    attrs: { reduction: 'string' },
    infer: (ctx) => {
      const data = scatterNDCheck(ctx);
      return same(data, [...data.shape]);
    },
    fold: (ins, ctx) => {
      const red = ctx.attr('reduction', 'none');
      if (red !== 'none' && red !== 'add') ctx.fail(`folding supports reduction none and add, not ${red}`);
      return [K.scatterND(ins[0]!, ins[1]!, ins[2]!, red)];
    },
  },

  Squeeze: {
    attrs: {},
    infer: (ctx) => same(ctx.in(0), squeezeShape(ctx)),
    fold: (ins, ctx) => [reshaped(ins[0]!, squeezeShape(ctx))],
  },

  Unsqueeze: {
    attrs: {},
    infer: (ctx) => same(ctx.in(0), unsqueezeShape(ctx)),
    fold: (ins, ctx) => [reshaped(ins[0]!, unsqueezeShape(ctx))],
  },

  Expand: {
    attrs: {},
    infer: (ctx) => same(ctx.in(0), expandShape(ctx)),
    fold: (ins, ctx) => [K.expand(ins[0]!, expandShape(ctx))],
  },

  Tile: {
    attrs: {},
    infer: (ctx) => {
      const x = ctx.in(0);
      const reps = tileRepeats(ctx);
      return same(x, x.shape.map((d, i) => d * reps[i]));
    },
    fold: (ins, ctx) => [K.tile(ins[0]!, tileRepeats(ctx))],
  },

  // Shape and Size depend only on the (static) input shape; fold ignores the input's data.
  Shape: {
    foldAlways: true,
    attrs: { start: 'int', end: 'int' },
    infer: (ctx) => {
      const [s, e] = shapeRange(ctx);
      return [{ dtype: 'int64', shape: [Math.max(0, e - s)] }];
    },
    fold: (_ins, ctx) => {
      const [s, e] = shapeRange(ctx);
      const dims = ctx.in(0).shape.slice(s, Math.max(s, e));
      return [tensor('int64', [dims.length], dims)];
    },
  },

  Size: {
    foldAlways: true,
    attrs: {},
    infer: (ctx) => {
      ctx.in(0);
      return [{ dtype: 'int64', shape: [] }];
    },
    fold: (_ins, ctx) => [tensor('int64', [], [sizeOf(ctx.in(0).shape)])],
  },

  Constant: {
    foldAlways: true,
    attrs: {
      value: 'tensor',
      value_float: 'float',
      value_floats: 'floats',
      value_int: 'int',
      value_ints: 'ints',
      value_string: 'string',
      value_strings: 'strings',
    },
    infer: (ctx) => {
      const t = constantValue(ctx);
      return [{ dtype: t.dtype, shape: [...t.shape] }];
    },
    fold: (_ins, ctx) => [constantValue(ctx)],
  },

  Range: {
    attrs: {},
    infer: (ctx) => {
      const [start, limit, delta] = rangeArgs(ctx);
      return [{ dtype: ctx.in(0).dtype, shape: [K.rangeCount(start, limit, delta)] }];
    },
    fold: (_ins, ctx) => [K.range(ctx.in(0).dtype, ...rangeArgs(ctx))],
  },

  // Exporters leave Dropout in inference graphs, where it passes its input through.
  Dropout: {
    attrs: { seed: 'int' },
    infer: (ctx: InferCtx) => {
      const x = ctx.in(0);
      if (ctx.inputs[2]) {
        const training = ctx.consts[2];
        if (!training) ctx.fail('training_mode must be a constant (only inference-mode Dropout is supported)');
        if (Number(training.data[0])) ctx.fail('training-mode Dropout is not supported; use inference mode');
      }
      return [same(x, [...x.shape])[0], { dtype: 'bool', shape: [...x.shape] }];
    },
    fold: (ins) => {
      const mask = tensor('bool', ins[0]!.shape);
      (mask.data as Uint8Array).fill(1);
      return [reshaped(ins[0]!, ins[0]!.shape), mask];
    },
  },
};
