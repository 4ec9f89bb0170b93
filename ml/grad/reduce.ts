// Gradients of reductions. Each rule brings dy back to the input's rank (keepdims shape) and lets
// broadcasting spread it over the reduced axes.
import type { Value } from '../builder.ts';
import { ONNX_DTYPE } from '../dtype.ts';
import { resolveReduceAxes } from '../ops/reduce.ts';
import type { GradCtx, GradRule } from './types.ts';
import { div, mul, reshape, scalarLike, sub } from './util.ts';

/** Reduced axes of a reduction node (axes input or attribute), or null for an identity reduction. */
export function reduceAxesOf(c: GradCtx): number[] | null {
  const axes = c.has(1) ? c.constInts(1) : c.attr<number[]>('axes', []);
  if (axes === undefined) c.fail('axes must be a constant known when the graph is built');
  return resolveReduceAxes(axes, c.x(0).rank, c.attr('noop_with_empty_axes', 0), (m) => c.fail(m));
}

/** Shape of x with the reduced axes kept as 1. */
export const keptShape = (shape: readonly number[], axes: readonly number[]) => shape.map((d, i) => (axes.includes(i) ? 1 : d));

/** A reduced value (dy or y) reshaped to the keepdims shape, so it broadcasts against x. */
export function unreduce(v: Value, x: Value, axes: readonly number[]): Value {
  return reshape(v, keptShape(x.shape, axes));
}

/** v (keepdims shape) materialized at x's shape. */
export function expandTo(v: Value, shape: readonly number[]): Value {
  if (v.shape.length === shape.length && v.shape.every((d, i) => d === shape[i])) return v;
  return v.b.op1('Expand', [v, v.b.ints(shape)]);
}

/** Rule factory: dx = dy (at keepdims shape) · local(c, axes, dyKept), with identity reductions passing dy through. */
const reduceRule =
  (local: (c: GradCtx, axes: number[], dy: Value) => Value): GradRule =>
  (c) => {
    const dy = c.dy()!;
    const axes = reduceAxesOf(c);
    // noop_with_empty_axes with no axes: the op returns its input unchanged.
    if (!axes) return [dy];
    return [local(c, axes, unreduce(dy, c.x(0), axes))];
  };

const count = (x: Value, axes: readonly number[]) => axes.reduce((p, a) => p * x.shape[a], 1);

/**
 * Max/min route dy to the entries equal to the extreme; ties split it evenly (each of k equal
 * entries gets dy/k), so the gradient is the average of the one-sided ones and sums to dy.
 */
const extremeRule = reduceRule((c, axes, dy) => {
  const x = c.x(0);
  const b = c.b;
  const mask = b.op1('Cast', [b.op1('Equal', [x, unreduce(c.y(), x, axes)])], { to: ONNX_DTYPE[x.dtype] });
  const ties = b.op1('ReduceSum', [mask, b.ints(axes)], { keepdims: 1 });
  return mul(mask, div(dy, ties));
});


export const reduceRules: Record<string, GradRule> = {
  ReduceSum: reduceRule((c, _axes, dy) => expandTo(dy, c.x(0).shape)),
  ReduceMean: reduceRule((c, axes, dy) => expandTo(div(dy, scalarLike(dy, count(c.x(0), axes))), c.x(0).shape)),
  ReduceMax: extremeRule,
  ReduceMin: extremeRule,
  ReduceSumSquare: reduceRule((c, _axes, dy) => mul(mul(dy, scalarLike(dy, 2)), c.x(0))),
  // d‖x‖/dx = x/‖x‖; at ‖x‖ = 0 the subgradient 0 is used (as PyTorch does) instead of NaN.
  ReduceL2: reduceRule((c, axes, dy) => {
    const b = c.b;
    const x = c.x(0);
    const y = unreduce(c.y(), x, axes);
    const zero = scalarLike(y, 0);
    const isZero = b.op1('Equal', [y, zero]);
    const safeY = b.op1('Where', [isZero, scalarLike(y, 1), y]);
    const scale = b.op1('Where', [isZero, zero, div(dy, safeY)]);
    return mul(scale, x);
  }),
  // d logΣexp(x) / dx = softmax over the reduced axes = exp(x − y).
  ReduceLogSumExp: reduceRule((c, axes, dy) => {
    const x = c.x(0);
    const y = unreduce(c.y(), x, axes);
    return mul(dy, c.b.op1('Exp', [sub(x, y)]));
  }),
};
