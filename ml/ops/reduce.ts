// Reductions (opset 17: ReduceSum takes axes as an input, the others as an attribute) and ArgMax/ArgMin.
import { allocate, type DType } from '../dtype.ts';
import type { ValueInfo } from '../ir.ts';
import { sizeOf, stridesOf, type Tensor } from '../tensor.ts';
import type { InferCtx, OpDef } from './types.ts';

/**
 * The sorted, non-negative axes a reduction reduces over, or null when it is an identity
 * (empty axes with noop_with_empty_axes=1). Empty axes otherwise mean all axes.
 */
export function resolveReduceAxes(
  axes: readonly number[] | undefined,
  rank: number,
  noopWithEmptyAxes: number,
  fail: (message: string) => never,
): number[] | null {
  if (!axes || axes.length === 0) return noopWithEmptyAxes ? null : Array.from({ length: rank }, (_, i) => i);
  const out = axes.map((a) => {
    const r = a < 0 ? a + rank : a;
    if (!Number.isInteger(r) || r < 0 || r >= rank) fail(`axis ${a} is out of range for rank ${rank}`);
    return r;
  });
  if (new Set(out).size !== out.length) fail(`axes [${axes}] repeat an axis`);
  return out.sort((a, b) => a - b);
}

/** Axes of a reduction node: the optional int64 input 1 (ReduceSum, or any reduction at opset 18) or the `axes` attribute. */
function axesOf(ctx: InferCtx): number[] | null {
  const x = ctx.in(0);
  const fromInput = ctx.inputs[1] ? ctx.constInts(1, 'axes') : undefined;
  if (ctx.inputs[1] && ctx.inputs[1].shape.length !== 1) ctx.fail(`axes must be a 1-D tensor, got [${ctx.inputs[1].shape}]`);
  const axes = fromInput ?? ctx.attr<number[]>('axes');
  return resolveReduceAxes(axes, x.shape.length, ctx.attr<number>('noop_with_empty_axes', 0), (m) => ctx.fail(m));
}

export function reducedShape(shape: readonly number[], axes: readonly number[], keepdims: boolean): number[] {
  const out: number[] = [];
  shape.forEach((d, i) => {
    if (!axes.includes(i)) out.push(d);
    else if (keepdims) out.push(1);
  });
  return out;
}

function inferReduce(ctx: InferCtx, floatOnly = false): ValueInfo[] {
  const x = ctx.in(0);
  if (floatOnly && !isFloatType(x.dtype)) ctx.fail(`needs a float input, got ${x.dtype}`);
  const axes = axesOf(ctx);
  if (!axes) return [{ dtype: x.dtype, shape: [...x.shape] }];
  for (const a of axes) if (x.shape[a] === 0 && !ctx.node.op.startsWith('ReduceSum')) ctx.fail(`cannot reduce empty axis ${a}`);
  return [{ dtype: x.dtype, shape: reducedShape(x.shape, axes, ctx.attr<number>('keepdims', 1) !== 0) }];
}

const isFloatType = (d: DType) => d === 'float32' || d === 'float64' || d === 'float16';

/** For each element of x, the flat index of the output slot it reduces into. */
function groups(x: Tensor, axes: readonly number[]): { outSize: number; groupOf: Int32Array } {
  const st = stridesOf(x.shape);
  const keptAxes = x.shape.map((_, i) => i).filter((i) => !axes.includes(i));
  const keptShape = keptAxes.map((i) => x.shape[i]);
  const keptStrides = stridesOf(keptShape);
  const n = sizeOf(x.shape);
  const groupOf = new Int32Array(n);
  for (let k = 0; k < n; k++) {
    let g = 0;
    keptAxes.forEach((ax, j) => {
      g += (Math.floor(k / st[ax]) % x.shape[ax]) * keptStrides[j];
    });
    groupOf[k] = g;
  }
  return { outSize: sizeOf(keptShape), groupOf };
}

interface Reducer {
  init: number;
  step: (acc: number, v: number) => number;
  finish?: (acc: number, count: number) => number;
}

/** Folds a reduction of a constant with a JS reducer (shape sub-graphs and small constants). */
function foldWith(r: Reducer) {
  return (ins: (Tensor | null)[], ctx: InferCtx): Tensor[] => {
    const x = ins[0]!;
    const info = inferReduce(ctx)[0];
    const axes = axesOf(ctx);
    if (!axes) return [{ dtype: x.dtype, shape: [...x.shape], data: x.data.slice() }];
    const { outSize, groupOf } = groups(x, axes);
    const acc = new Array<number>(outSize).fill(r.init);
    for (let k = 0; k < groupOf.length; k++) acc[groupOf[k]] = r.step(acc[groupOf[k]], Number(x.data[k]));
    const count = axes.reduce((p, a) => p * x.shape[a], 1);
    const out = allocate(x.dtype, outSize);
    const int = !isFloatType(x.dtype);
    for (let i = 0; i < outSize; i++) {
      const v = r.finish ? r.finish(acc[i], count) : acc[i];
      if (out instanceof BigInt64Array) out[i] = BigInt(Math.trunc(v));
      else (out as Float32Array)[i] = int ? Math.trunc(v) : v;
    }
    return [{ dtype: x.dtype, shape: info.shape, data: out }];
  };
}

const reduction = (r: Reducer, axesAttr: boolean, floatOnly = false): OpDef => ({
  attrs: axesAttr ? { axes: 'ints', keepdims: 'int', noop_with_empty_axes: 'int' } : { keepdims: 'int', noop_with_empty_axes: 'int' },
  infer: (ctx) => inferReduce(ctx, floatOnly),
  fold: foldWith(r),
});

/** ArgMax/ArgMin: int64 indices along one axis; select_last_index picks the last of equal extremes. */
function inferArg(ctx: InferCtx): ValueInfo[] {
  const x = ctx.in(0);
  const axis = ctx.axis(ctx.attr('axis', 0), x.shape.length);
  if (x.shape[axis] === 0) ctx.fail(`cannot take the index of an extreme over empty axis ${axis}`);
  return [{ dtype: 'int64', shape: reducedShape(x.shape, [axis], ctx.attr<number>('keepdims', 1) !== 0) }];
}

const argReduction = (better: (a: number, b: number) => boolean): OpDef => ({
  attrs: { axis: 'int', keepdims: 'int', select_last_index: 'int' },
  infer: inferArg,
  fold: (ins, ctx) => {
    const x = ins[0]!;
    const axis = ctx.axis(ctx.attr('axis', 0), x.shape.length);
    const last = ctx.attr<number>('select_last_index', 0) !== 0;
    const info = inferArg(ctx)[0];
    const inner = stridesOf(x.shape)[axis];
    const len = x.shape[axis];
    const outer = sizeOf(x.shape) / (inner * len);
    const out = new BigInt64Array(outer * inner);
    for (let o = 0; o < outer; o++)
      for (let i = 0; i < inner; i++) {
        let best = 0;
        let bestV = Number(x.data[o * len * inner + i]);
        for (let j = 1; j < len; j++) {
          const v = Number(x.data[(o * len + j) * inner + i]);
          if (better(v, bestV) || (last && v === bestV)) {
            best = j;
            bestV = v;
          }
        }
        out[o * inner + i] = BigInt(best);
      }
    return [{ dtype: 'int64', shape: info.shape, data: out }];
  },
});

const sum: Reducer = { init: 0, step: (a, v) => a + v };

export const reduce: Record<string, OpDef> = {
  ReduceSum: reduction(sum, false),
  ReduceMean: reduction({ ...sum, finish: (a, n) => a / n }, true),
  ReduceMax: reduction({ init: -Infinity, step: (a, v) => (v > a || Number.isNaN(v) ? v : a) }, true),
  ReduceMin: reduction({ init: Infinity, step: (a, v) => (v < a || Number.isNaN(v) ? v : a) }, true),
  ReduceProd: reduction({ init: 1, step: (a, v) => a * v }, true),
  ReduceSumSquare: reduction({ init: 0, step: (a, v) => a + v * v }, true),
  ReduceL1: reduction({ init: 0, step: (a, v) => a + Math.abs(v) }, true),
  ReduceL2: reduction({ init: 0, step: (a, v) => a + v * v, finish: (a) => Math.sqrt(a) }, true, true),
  ReduceLogSum: reduction({ ...sum, finish: (a) => Math.log(a) }, true, true),
  ReduceLogSumExp: reduction({ init: 0, step: (a, v) => a + Math.exp(v), finish: (a) => Math.log(a) }, true, true),
  ArgMax: argReduction((a, b) => a > b),
  ArgMin: argReduction((a, b) => a < b),
};
