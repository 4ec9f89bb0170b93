// Gradients of convolutions, pools, Pad and Resize. Each input gradient is the adjoint operator:
// Conv ↔ ConvTranspose with the same window (a flipped-kernel Conv at stride 1), pools as a
// ConvTranspose with a constant kernel.
// The Conv formulations (conv-input.ts, conv-weight.ts) were chosen by timing on onnxruntime.
import type { Value } from '../builder.ts';
import { tensor } from '../tensor.ts';
import { blockFactor, resizeAxisMatrix, resizeGeometry } from '../ops/resize-map.ts';
import { effectiveKernel, forwardWindow, kernelShape, transposedWindow, type Window } from '../ops/window.ts';
import { convInputGrad, convInputGradTranspose } from './conv-input.ts';
import { convWeightGrad } from './conv-weight.ts';
import { padModeAdjoint } from './pad-modes.ts';
import type { GradCtx, GradRule } from './types.ts';
import { mul, reshape, scalarLike } from './util.ts';

const range = (n: number, from = 0) => Array.from({ length: n }, (_, i) => from + i);
const failer = (c: GradCtx) => (m: string): never => c.fail(m);

/** Σ over batch and spatial axes: the gradient of a per-channel bias. */
const biasGrad = (dy: Value) => dy.b.op1('ReduceSum', [dy, dy.b.ints([0, ...range(dy.rank - 2, 2)])], { keepdims: 0 });

const conv: GradRule = (c) => {
  const x = c.x(0);
  const w = c.x(1);
  const dy = c.dy()!;
  const group = c.attr('group', 1);
  const win = forwardWindow(c.node.attrs, x.shape.slice(2), w.shape.slice(2), failer(c));
  return [
    c.needs(0) ? convInputGrad(dy, w, win, group) : null,
    c.needs(1) ? convWeightGrad(x, dy, win, group) : null,
    c.has(2) && c.needs(2) ? biasGrad(dy) : null,
  ];
};

const convTranspose: GradRule = (c) => {
  const x = c.x(0);
  const w = c.x(1);
  const dy = c.dy()!;
  const group = c.attr('group', 1);
  const t = transposedWindow(c.node.attrs, x.shape.slice(2), w.shape.slice(2), failer(c));
  // The forward Conv whose adjoint this node is: it maps the output size back to the input size.
  const win: Window = { ...t, inSize: t.outSize, outSize: t.inSize };
  const dx = c.needs(0)
    ? c.b.op1('Conv', [dy, w], { strides: win.strides, dilations: win.dilations, pads: win.pads, group: group === 1 ? undefined : group })
    : null;
  return [dx, c.needs(1) ? convWeightGrad(dy, x, win, group) : null, c.has(2) && c.needs(2) ? biasGrad(dy) : null];
};

/** Taps per output position that average over, per spatial axis (inside the input, or the padded input). */
function tapCounts(win: Window, includePad: boolean): number[][] {
  const r = win.inSize.length;
  return win.outSize.map((o, i) =>
    range(o).map((j) => {
      let n = 0;
      for (let t = 0; t < win.kernel[i]; t++) {
        const p = j * win.strides[i] + t * win.dilations[i] - win.pads[i];
        if (includePad ? p >= -win.pads[i] && p < win.inSize[i] + win.pads[i + r] : p >= 0 && p < win.inSize[i]) n++;
      }
      return n;
    }),
  );
}

/** dY scaled by 1/count per output position: a scalar when all counts agree, else a constant [osp…] map. */
function divideByCounts(dy: Value, counts: number[][]): Value {
  const flat = counts.reduce<number[]>((acc, axis) => acc.flatMap((a) => axis.map((n) => a * n)), [1]);
  if (flat.every((n) => n === flat[0])) return mul(dy, scalarLike(dy, 1 / flat[0]));
  const inv = tensor(dy.dtype, counts.map((a) => a.length), flat.map((n) => 1 / n));
  return mul(dy, dy.b.constant(inv));
}

/**
 * Each input element receives dy/count from every window that covers it: a ConvTranspose of the scaled
 * dy (one channel per (n, c) image) with a kernel of ones. Ceil-mode windows run past the end pad,
 * so the end pad is widened to what the floor formula needs for the same output size.
 */
const averagePool: GradRule = (c) => {
  if (!c.needs(0)) return [null];
  const x = c.x(0);
  const dy = c.dy()!;
  const r = x.rank - 2;
  const ceil = !!c.attr('ceil_mode', 0);
  const k = kernelShape(c.node.attrs, r, failer(c));
  const win = forwardWindow(c.node.attrs, x.shape.slice(2), k, failer(c), ceil);
  const scaled = divideByCounts(dy, tapCounts(win, !!c.attr('count_include_pad', 0)));
  const padsEnd = win.inSize.map((h, i) =>
    Math.max(win.pads[i + r], (win.outSize[i] - 1) * win.strides[i] + effectiveKernel(k[i], win.dilations[i]) - h - win.pads[i]),
  );
  const wide: Window = { ...win, pads: [...win.pads.slice(0, r), ...padsEnd] };
  const [n, ch] = x.shape;
  const ones = tensor(x.dtype, [1, 1, ...k]);
  (ones.data as Float32Array).fill(1);
  const dx = convInputGradTranspose(reshape(scaled, [n * ch, 1, ...win.outSize]), c.b.constant(ones), wide, 1);
  return [reshape(dx, x.shape)];
};

/**
 * Each window's gradient goes to the element its maximum came from: MaxPool's Indices output
 * (flat over the whole input) drives a ScatterND with reduction add, since overlapping windows
 * may pick the same element.
 */
function scatterToArgmax(x: Value, dy: Value, indices: Value): Value {
  const b = x.b;
  const zeros = b.op1('ConstantOfShape', [b.ints([x.size])], { value: tensor(x.dtype, [1], [0]) }, { noFold: true });
  const dx = b.op1('ScatterND', [zeros, reshape(indices, [indices.size, 1]), reshape(dy, [dy.size])], { reduction: 'add' });
  return reshape(dx, x.shape);
}

/** Uses the forward node's indices when it produced them, else recomputes MaxPool with indices. */
const maxPool: GradRule = (c) => {
  const dy = c.dy(0);
  if (!c.needs(0) || !dy) return [null];
  if (c.attr('storage_order', 0)) c.fail('storage_order 1 has no gradient');
  const x = c.x(0);
  const idx = c.node.outputs[1] ? c.y(1) : c.b.op('MaxPool', [x], c.node.attrs, { outputs: 2 })[1];
  return [scatterToArgmax(x, dy, idx)];
};

/** GlobalMaxPool is a MaxPool whose window is the whole image. */
const globalMaxPool: GradRule = (c) => {
  if (!c.needs(0)) return [null];
  const x = c.x(0);
  const idx = c.b.op('MaxPool', [x], { kernel_shape: x.shape.slice(2) }, { outputs: 2 })[1];
  return [scatterToArgmax(x, c.dy()!, idx)];
};

const globalAveragePool: GradRule = (c) => {
  if (!c.needs(0)) return [null];
  const x = c.x(0);
  const dy = c.dy()!;
  const area = x.shape.slice(2).reduce((a, b) => a * b, 1);
  return [c.b.op1('Expand', [mul(dy, scalarLike(dy, 1 / area)), c.b.ints(x.shape)])];
};

/** Constant-mode Pad: dX is dY with the padding cut away (and zeros where the forward pass cropped); reflect and edge fold it back. */
const pad: GradRule = (c) => {
  const x = c.x(0);
  const dy = c.dy()!;
  const mode = c.attr('mode', 'constant');
  const given = c.constInts(1) ?? c.fail('pads must be constant');
  const r = x.rank;
  const axes = c.has(3) ? (c.constInts(3) ?? c.fail('axes must be constant')).map((a) => (a < 0 ? a + r : a)) : range(r);
  const pads = new Array<number>(2 * r).fill(0);
  axes.forEach((a, j) => {
    pads[a] = given[j];
    pads[a + r] = given[j + axes.length];
  });
  if (mode !== 'constant') return [c.needs(0) ? padModeAdjoint(c, x, dy, pads, mode) : null];
  let dx: Value | null = null;
  if (c.needs(0) || c.needs(2)) {
    if (pads.every((p) => p >= 0)) {
      const starts = range(r).map((a) => pads[a]);
      dx = c.b.op1('Slice', [dy, c.b.ints(starts), c.b.ints(starts.map((s, a) => s + x.shape[a])), c.b.ints(range(r))]);
    } else dx = c.b.op1('Pad', [dy, c.b.ints(pads.map((p) => -p))]);
  }
  let dValue: Value | null = null;
  if (c.has(2) && c.needs(2)) {
    // Every output element not copied from X is the constant: Σdy − Σdx.
    const sumAll = (v: Value) => c.b.op1('ReduceSum', [v, c.b.ints(range(v.rank))], { keepdims: 0 });
    dValue = reshape(c.b.op1('Sub', [sumAll(dy), sumAll(dx!)]), c.x(2).shape);
  }
  return [c.needs(0) ? dx : null, null, dValue];
};

/**
 * Resize (nearest or linear) is linear and separable: Y = M_a·X along each resized axis a.
 * Integer nearest upscaling sums s×s blocks (Reshape + ReduceSum); other maps apply Mᵀ by MatMul
 * along the last two axes.
 */
const resize: GradRule = (c) => {
  if (!c.needs(0)) return [null];
  const x = c.x(0);
  const dy = c.dy()!;
  const scales = c.has(2) ? (c.constInts(2) ?? c.fail('scales must be constant')) : null;
  const sizes = c.has(3) ? (c.constInts(3) ?? c.fail('sizes must be constant')) : null;
  const g = resizeGeometry(c.node.attrs, x.shape, scales, sizes, failer(c));
  const maps = x.shape.map((h, a) => {
    const m = resizeAxisMatrix(c.node.attrs, h, g.outSize[a], g.scales[a], failer(c));
    const identity = g.outSize[a] === h && m.every((v, i) => v === (Math.floor(i / h) === i % h ? 1 : 0));
    return identity ? null : { axis: a, m, block: blockFactor(m, h, g.outSize[a]) };
  });
  const moved = maps.filter((m) => m !== null);
  if (!moved.length) return [dy];
  if (moved.every((m) => m.block > 0)) {
    const split: number[] = [];
    const sumAxes: number[] = [];
    x.shape.forEach((h, a) => {
      const s = maps[a]?.block ?? 0;
      if (s) sumAxes.push(split.length + 1);
      split.push(...(s ? [h, s] : [h]));
    });
    return [c.b.op1('ReduceSum', [reshape(dy, split), c.b.ints(sumAxes)], { keepdims: 0 })];
  }
  if (moved.some((m) => m.axis < x.rank - 2)) c.fail('only the last two axes may be resized by a non-block map');
  let dx = dy;
  for (const { axis, m } of moved.sort((p, q) => q.axis - p.axis)) {
    const [o, h] = [g.outSize[axis], x.shape[axis]];
    if (axis === x.rank - 1) dx = c.b.op1('MatMul', [dx, c.b.constant(tensor(x.dtype, [o, h], m))]);
    else {
      const mt = tensor(x.dtype, [h, o]);
      for (let i = 0; i < o; i++) for (let j = 0; j < h; j++) (mt.data as Float32Array)[j * o + i] = m[i * h + j];
      dx = c.b.op1('MatMul', [c.b.constant(mt), dx]);
    }
  }
  return [dx];
};

export const convRules: Record<string, GradRule> = {
  Conv: conv,
  ConvTranspose: convTranspose,
  AveragePool: averagePool,
  GlobalAveragePool: globalAveragePool,
  MaxPool: maxPool,
  GlobalMaxPool: globalMaxPool,
  Pad: pad,
  Resize: resize,
};
