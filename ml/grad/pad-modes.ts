// The adjoint of reflect and edge padding: each padded element came from one input element, so
// its gradient is added back there, one axis at a time (the modes pad each axis independently).
import type { Value } from '../builder.ts';
import type { GradCtx } from './types.ts';

function sliceAxis(g: Value, axis: number, start: number, end: number, step = 1): Value {
  const b = g.b;
  return b.op1('Slice', [g, b.ints([start]), b.ints([end]), b.ints([axis]), b.ints([step])]);
}

/** g (length `len` along axis) placed at offset `at` of an axis of length n, zeros elsewhere. */
function placeAt(g: Value, axis: number, at: number, n: number): Value {
  const b = g.b;
  const pads = new Array<number>(2 * g.rank).fill(0);
  pads[axis] = at;
  pads[axis + g.rank] = n - at - g.shape[axis];
  return pads.every((p) => p === 0) ? g : b.op1('Pad', [g, b.ints(pads)], { mode: 'constant' });
}

/** Folds the padding of one axis (begin pb, end pe, input length n) back onto the input. */
function foldAxis(g: Value, axis: number, pb: number, pe: number, n: number, mode: string): Value {
  const b = g.b;
  let dx = sliceAxis(g, axis, pb, pb + n);
  const addIn = (part: Value, at: number) => (dx = b.op1('Add', [dx, placeAt(part, axis, at, n)]));
  if (mode === 'edge') {
    const sum = (v: Value) => b.op1('ReduceSum', [v, b.ints([axis])], { keepdims: 1 });
    if (pb) addIn(sum(sliceAxis(g, axis, 0, pb)), 0);
    if (pe) addIn(sum(sliceAxis(g, axis, pb + n, pb + n + pe)), n - 1);
  } else {
    // Begin pad j (0-based from the outside) mirrors input pb − j; end pad j mirrors n − 2 − j.
    if (pb) addIn(sliceAxis(g, axis, pb - 1, -(g.shape[axis] + 1), -1), 1);
    if (pe) addIn(sliceAxis(g, axis, pb + n + pe - 1, pb + n - 1, -1), n - 1 - pe);
  }
  return dx;
}

/** dX for Pad in reflect or edge mode, given the full per-axis pads (all begins, then all ends). */
export function padModeAdjoint(c: GradCtx, x: Value, dy: Value, pads: readonly number[], mode: string): Value {
  if (mode !== 'reflect' && mode !== 'edge') c.fail(`mode "${mode}" has no gradient`);
  if (pads.some((p) => p < 0)) c.fail(`${mode} padding with negative pads (cropping) has no gradient`);
  const r = x.rank;
  let g = dy;
  for (let a = 0; a < r; a++) if (pads[a] || pads[a + r]) g = foldAxis(g, a, pads[a], pads[a + r], x.shape[a], mode);
  return g;
}
