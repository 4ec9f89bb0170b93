// Helpers that gradient rules share.
import type { Value } from '../builder.ts';

/** Sums a broadcast gradient back down to `shape` (the reverse of NumPy broadcasting). */
export function sumToShape(g: Value, shape: readonly number[]): Value {
  const b = g.b;
  if (g.shape.length === shape.length && g.shape.every((d, i) => d === shape[i])) return g;
  const lead = g.rank - shape.length;
  const axes: number[] = [];
  for (let i = 0; i < g.rank; i++) if (i < lead || (shape[i - lead] === 1 && g.shape[i] !== 1)) axes.push(i);
  let r = g;
  if (axes.length) r = b.op1('ReduceSum', [g, b.ints(axes)], { keepdims: 1 });
  if (r.rank !== shape.length || r.shape.some((d, i) => d !== shape[i])) r = reshape(r, shape);
  return r;
}

export function reshape(x: Value, shape: readonly number[]): Value {
  if (x.shape.length === shape.length && x.shape.every((d, i) => d === shape[i])) return x;
  return x.b.op1('Reshape', [x, x.b.ints(shape)]);
}

export function add(a: Value, b: Value): Value {
  return a.b.op1('Add', [a, b]);
}
export function sub(a: Value, b: Value): Value {
  return a.b.op1('Sub', [a, b]);
}
export function mul(a: Value, b: Value): Value {
  return a.b.op1('Mul', [a, b]);
}
export function div(a: Value, b: Value): Value {
  return a.b.op1('Div', [a, b]);
}
export function neg(a: Value): Value {
  return a.b.op1('Neg', [a]);
}
/** A scalar constant of x's float type. */
export function scalarLike(x: Value, v: number): Value {
  return x.b.scalar(v, x.dtype);
}
