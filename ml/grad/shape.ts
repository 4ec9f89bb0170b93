// Gradients of shape operators. Pure data movement, so each gradient moves dy back:
// reshape it, transpose it, split or concatenate it, scatter it, or sum its copies.
import { sliceAxes } from '../ops/shape-kernels.ts';
import { normAxis } from '../ops/util.ts';
import { sizeOf } from '../tensor.ts';
import { gatherAdjoint, inversePerm, transpose, unslice, zerosLike } from './shape-helpers.ts';
import type { GradCtx, GradRule } from './types.ts';
import { reshape, sumToShape } from './util.ts';

/** Reshape, Flatten, Squeeze, Unsqueeze: only the shape changes, so dy is reshaped back. */
const reshapeBack: GradRule = (c) => [c.needs(0) ? reshape(c.dy()!, c.x(0).shape) : null];

function constInputs(c: GradCtx, i: number): number[] | undefined {
  if (!c.has(i)) return undefined;
  const v = c.constInts(i);
  if (!v) c.fail(`input ${i} is not a constant`);
  return v;
}

export const shapeRules: Record<string, GradRule> = {
  Reshape: reshapeBack,
  Flatten: reshapeBack,
  Squeeze: reshapeBack,
  Unsqueeze: reshapeBack,

  Dropout: (c) => [c.needs(0) ? c.dy(0) : null],

  Transpose: (c) => {
    const r = c.x(0).rank;
    const perm = c.attr<number[]>('perm', Array.from({ length: r }, (_, i) => r - 1 - i));
    return [c.needs(0) ? transpose(c.dy()!, inversePerm(perm)) : null];
  },

  Concat: (c) => {
    const dy = c.dy()!;
    const axis = normAxis(c.attr('axis', 0), dy.rank);
    const n = c.node.inputs.length;
    if (n === 1) return [c.needs(0) ? dy : null];
    const sizes = c.node.inputs.map((_, i) => c.x(i).shape[axis]);
    const parts = c.b.op('Split', [dy, c.b.ints(sizes)], { axis }, { outputs: n });
    return parts.map((p, i) => (c.needs(i) ? p : null));
  },

  Split: (c) => {
    if (!c.needs(0)) return [null, null];
    const x = c.x(0);
    const axis = normAxis(c.attr('axis', 0), x.rank);
    const parts = c.node.outputs.map((_, i) => c.dy(i) ?? zerosLike(x, c.y(i).shape));
    const dx = parts.length === 1 ? parts[0] : c.b.op1('Concat', parts, { axis });
    return [dx, null];
  },

  Slice: (c) => {
    if (!c.needs(0)) return [null];
    const x = c.x(0);
    const axes = sliceAxes(x.shape, constInputs(c, 1)!, constInputs(c, 2)!, constInputs(c, 3), constInputs(c, 4));
    if (typeof axes === 'string') return c.fail(axes);
    return [unslice(c.dy()!, x.shape, axes)];
  },

  Gather: (c) => {
    if (!c.needs(0)) return [null, null];
    const x = c.x(0);
    return [gatherAdjoint(c.dy()!, c.x(1), x.shape, normAxis(c.attr('axis', 0), x.rank)), null];
  },

  Expand: (c) => [c.needs(0) ? sumToShape(c.dy()!, c.x(0).shape) : null, null],

  Tile: (c) => {
    if (!c.needs(0)) return [null, null];
    const x = c.x(0);
    const dy = c.dy()!;
    const reps = c.y().shape.map((d, i) => (x.shape[i] ? d / x.shape[i] : 0));
    if (sizeOf(dy.shape) === 0) return [zerosLike(x, x.shape), null];
    if (reps.every((r) => r === 1)) return [dy, null];
    // [r0*d0, r1*d1, ...] -> [r0, d0, r1, d1, ...], then sum over the copies.
    const split = reshape(dy, x.shape.flatMap((d, i) => [reps[i], d]));
    const axes = x.shape.map((_, i) => 2 * i);
    return [c.b.op1('ReduceSum', [split, c.b.ints(axes)], { keepdims: 0 }), null];
  },
};
