// Building blocks for the gradients of shape operators: zeros, reversing and spreading an
// axis, and accumulating rows into a table (the gradient of Gather).
import type { Value } from '../builder.ts';
import { ONNX_DTYPE } from '../dtype.ts';
import type { SliceAxis } from '../ops/shape-kernels.ts';
import { sizeOf, tensor } from '../tensor.ts';
import { reshape } from './util.ts';

/** Zeros of a shape, made at run time (noFold) so that no large initializer is stored. */
export function zerosLike(like: Value, shape: readonly number[]): Value {
  const b = like.b;
  return b.op1('ConstantOfShape', [b.ints(shape)], { value: tensor(like.dtype, [1], [0]) }, { noFold: true });
}

export function transpose(x: Value, perm: readonly number[]): Value {
  if (perm.every((p, i) => p === i)) return x;
  return x.b.op1('Transpose', [x], { perm: [...perm] });
}

export function inversePerm(perm: readonly number[]): number[] {
  const inv = new Array<number>(perm.length);
  perm.forEach((p, i) => (inv[p] = i));
  return inv;
}

/** x reversed along one axis. */
function reverseAxis(x: Value, axis: number): Value {
  const b = x.b;
  // End -(dim+1) normalizes to -1: "through index 0" for a negative step.
  return b.op1('Slice', [x, b.ints([-1]), b.ints([-(x.shape[axis] + 1)]), b.ints([axis]), b.ints([-1])]);
}

/** Puts step-1 zeros between consecutive entries along an axis: n entries become (n-1)*step+1. */
function spreadAxis(x: Value, axis: number, step: number): Value {
  const b = x.b;
  const n = x.shape[axis];
  const withSlot = reshape(x, [...x.shape.slice(0, axis + 1), 1, ...x.shape.slice(axis + 1)]);
  const pads = new Array<number>(2 * withSlot.rank).fill(0);
  pads[withSlot.rank + axis + 1] = step - 1;
  const padded = b.op1('Pad', [withSlot, b.ints(pads)], { mode: 'constant' });
  const merged = reshape(padded, [...x.shape.slice(0, axis), n * step, ...x.shape.slice(axis + 1)]);
  return b.op1('Slice', [merged, b.ints([0]), b.ints([(n - 1) * step + 1]), b.ints([axis])]);
}

/**
 * The adjoint of Slice: places dy where the slice took its elements from a tensor of `shape`,
 * zeros elsewhere. Negative steps become reversals, steps > 1 become zero-spreading, and one
 * Pad puts the block in place.
 */
export function unslice(dy: Value, shape: readonly number[], axes: readonly SliceAxis[]): Value {
  const b = dy.b;
  if (sizeOf(dy.shape) === 0) return zerosLike(dy, shape);
  const before = shape.map(() => 0);
  const after = shape.map(() => 0);
  let g = dy;
  for (const { axis, start, step, count } of axes) {
    let first = start;
    let stride = step;
    if (stride < 0) {
      if (count > 1) g = reverseAxis(g, axis);
      first = start + step * (count - 1);
      stride = -step;
    }
    if (stride > 1 && count > 1) g = spreadAxis(g, axis, stride);
    before[axis] = first;
    after[axis] = shape[axis] - first - g.shape[axis];
  }
  if (before.every((p) => p === 0) && after.every((p) => p === 0)) return g;
  return b.op1('Pad', [g, b.ints([...before, ...after])], { mode: 'constant' });
}

/**
 * The adjoint of Gather along `axis`: sums each slice of dy into the row its index names.
 * ScatterND with reduction 'add' accumulates repeated indices (embedding lookups repeat
 * tokens) and runs on onnxruntime's CPU and wasm kernels; negative indices are accepted there.
 */
export function gatherAdjoint(dy: Value, indices: Value, shape: readonly number[], axis: number): Value {
  const b = dy.b;
  const outer = sizeOf(shape.slice(0, axis));
  const rows = shape[axis];
  const inner = sizeOf(shape.slice(axis + 1));
  const m = sizeOf(indices.shape);
  if (m === 0) return zerosLike(dy, shape);
  // Bring the indexed axis to the front: [outer, m, inner] -> [m, outer, inner].
  let updates = reshape(dy, [outer, m, inner]);
  updates = outer === 1 ? reshape(updates, [m, 1, inner]) : transpose(updates, [1, 0, 2]);
  let idx = reshape(indices, [m, 1]);
  if (idx.dtype !== 'int64') idx = b.op1('Cast', [idx], { to: ONNX_DTYPE.int64 });
  let table = b.op1('ScatterND', [zerosLike(dy, [rows, outer, inner]), idx, updates], { reduction: 'add' });
  if (outer !== 1) table = transpose(table, [1, 0, 2]);
  return reshape(table, shape);
}
