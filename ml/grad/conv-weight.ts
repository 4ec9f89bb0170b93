// The weight gradient of a convolution, dW[m, c', k] = Σ_{n,o} X[n, c, o·s + k·d − pb] · dY[n, m, o],
// the hot path of training. Five formulations from standard ops, compared by bench/conv-grad.ts and
// inside a whole step by bench/engine.ts; `convWeightGrad` uses the stacked taps (one GEMM).
import type { Value } from '../builder.ts';
import { tensor } from '../tensor.ts';
import type { Window } from '../ops/window.ts';
import { reshape } from './util.ts';

const range = (n: number, from = 0) => Array.from({ length: n }, (_, i) => from + i);

/** Swaps axes 0 and 1; a Reshape when either is 1 (no data moves). */
function swap01(x: Value): Value {
  if (x.shape[0] === 1 || x.shape[1] === 1) return reshape(x, [x.shape[1], x.shape[0], ...x.shape.slice(2)]);
  return x.b.op1('Transpose', [x], { perm: [1, 0, ...range(x.rank - 2, 2)] });
}

/**
 * Moves the group axis from channels into the batch: [N, g·K, sp…] → [K, g·N, sp…], so that a grouped
 * Conv pairs group i of one operand with group i of the other.
 */
function channelsToBatch(x: Value, group: number): Value {
  if (group === 1) return swap01(x);
  const [n, ck, ...sp] = x.shape;
  const k = ck / group;
  const t = x.b.op1('Transpose', [reshape(x, [n, group, k, ...sp])], { perm: [2, 1, 0, ...range(sp.length, 3)] });
  return reshape(t, [k, group * n, ...sp]);
}

/** [N, g·Mg, osp…] → [g·Mg, N, osp…] with the group-major output channel order the weight has. */
const outGradAsKernel = (dy: Value) => swap01(dy);

/**
 * dW as one Conv: the input X with batch and channels swapped is convolved with dY (also swapped) as the
 * kernel; the forward stride becomes the dilation and the forward dilation the stride. Rows a strided
 * window never reached are cropped by ending the padding early (or slicing when that would be negative).
 */
export function convWeightGradSwapped(x: Value, dy: Value, win: Window, group: number): Value {
  const b = x.b;
  const r = win.inSize.length;
  const padsEnd = win.inSize.map(
    (h, i) => (win.kernel[i] - 1) * win.dilations[i] + (win.outSize[i] - 1) * win.strides[i] + 1 - h - win.pads[i],
  );
  let dwT = b.op1('Conv', [channelsToBatch(x, group), outGradAsKernel(dy)], {
    strides: win.dilations,
    dilations: win.strides,
    pads: [...win.pads.slice(0, r), ...padsEnd.map((p) => Math.max(0, p))],
    group: group === 1 ? undefined : group,
  });
  if (dwT.shape.slice(2).some((d, i) => d !== win.kernel[i]))
    dwT = b.op1('Slice', [dwT, b.ints(range(r).map(() => 0)), b.ints(win.kernel), b.ints(range(r, 2))]);
  return swap01(dwT);
}

/** One-hot kernels [K, 1, k…] whose Conv extracts the K window taps of a single-channel image (im2col). */
function tapKernels(x: Value, kernel: readonly number[]): Value {
  const taps = kernel.reduce((a, b) => a * b, 1);
  const t = tensor(x.dtype, [taps, 1, ...kernel]);
  for (let i = 0; i < taps; i++) (t.data as Float32Array)[i * taps + i] = 1;
  return x.b.constant(t);
}

/** im2col patches [N, g, Cg·K, P] from one Conv with one-hot kernels over every (n, c) image. */
function patches(x: Value, win: Window, group: number): Value {
  const [n, c, ...sp] = x.shape;
  const taps = win.kernel.reduce((a, b) => a * b, 1);
  const p = x.b.op1('Conv', [reshape(x, [n * c, 1, ...sp]), tapKernels(x, win.kernel)], {
    strides: win.strides,
    dilations: win.dilations,
    pads: win.pads,
  });
  const outs = win.outSize.reduce((a, b) => a * b, 1);
  return reshape(p, [n, group, (c / group) * taps, outs]);
}

/**
 * dW as im2col then a product: batched MatMul of dY [N, g, Mg, P] with the patches transposed,
 * summed over the batch.
 */
export function convWeightGradIm2col(x: Value, dy: Value, win: Window, group: number): Value {
  const b = x.b;
  const [n, m] = dy.shape;
  const cg = x.shape[1] / group;
  const outs = win.outSize.reduce((a, b) => a * b, 1);
  const cols = patches(x, win, group);
  const wShape = [m, cg, ...win.kernel];
  const prod = b.op1('MatMul', [reshape(dy, [n, group, m / group, outs]), b.op1('Transpose', [cols], { perm: [0, 1, 3, 2] })]);
  return reshape(b.op1('ReduceSum', [prod, b.ints([0])], { keepdims: 0 }), wShape);
}

/**
 * The input window that tap t of the kernel sees, for every output position: X (channels first,
 * zero-padded once) sliced with the forward stride, offset by t·dilation. Shape [C, N, osp…].
 */
function tapSlices(xT: Value, win: Window): Value[] {
  const b = xT.b;
  const r = win.inSize.length;
  const padsEnd = win.inSize.map((h, i) =>
    Math.max(0, (win.kernel[i] - 1) * win.dilations[i] + (win.outSize[i] - 1) * win.strides[i] + 1 - h - win.pads[i]),
  );
  const padded = win.pads.slice(0, r).some((p) => p) || padsEnd.some((p) => p)
    ? b.op1('Pad', [xT, b.ints([0, 0, ...win.pads.slice(0, r), 0, 0, ...padsEnd])])
    : xT;
  const taps = win.kernel.reduce((a, k) => a * k, 1);
  const axes = b.ints(range(r, 2));
  const steps = win.strides.every((s) => s === 1) ? undefined : b.ints(win.strides);
  return range(taps).map((t) => {
    const tap = win.kernel.map((_, i) => Math.floor(t / win.kernel.slice(i + 1).reduce((a, k) => a * k, 1)) % win.kernel[i]);
    const starts = tap.map((k, i) => k * win.dilations[i]);
    const ends = starts.map((s, i) => s + (win.outSize[i] - 1) * win.strides[i] + 1);
    return b.op1('Slice', [padded, b.ints(starts), b.ints(ends), axes, steps]);
  });
}

/**
 * dW tap by tap: for each kernel offset, one product of X's shifted window [g, Cg, N·P] with dY
 * transposed once to [g, N·P, Mg]. Each product is a well-shaped GEMM with the long N·P contraction.
 */
export function convWeightGradTaps(x: Value, dy: Value, win: Window, group: number): Value {
  const b = x.b;
  const [n, c] = x.shape;
  const m = dy.shape[1];
  const [cg, mg] = [c / group, m / group];
  const outs = win.outSize.reduce((a, v) => a * v, 1);
  const taps = tapSlices(swap01(x), win);
  if (group === 1) {
    // dY with batch and channels swapped keeps each image's positions contiguous (a cheap
    // Transpose); the GEMM then contracts over N·P with dY as the left operand: [M, C] per tap.
    const lhs = reshape(swap01(dy), [m, n * outs]);
    const perTap = taps.map((t) => reshape(b.op1('Gemm', [lhs, reshape(t, [c, n * outs])], { transB: 1 }), [1, m, c]));
    const stacked = perTap.length === 1 ? perTap[0] : b.op1('Concat', perTap, { axis: 0 }); // [K, M, C]
    return reshape(b.op1('Transpose', [stacked], { perm: [1, 2, 0] }), [m, c, ...win.kernel]);
  }
  const dyT = b.op1('Transpose', [reshape(dy, [n, group, mg, outs])], { perm: [1, 0, 3, 2] }); // [g, N, P, Mg]
  const rhs = reshape(dyT, [group, n * outs, mg]);
  const perTap = taps.map((t) => reshape(b.op1('MatMul', [reshape(t, [group, cg, n * outs]), rhs]), [1, group, cg, mg]));
  const stacked = perTap.length === 1 ? perTap[0] : b.op1('Concat', perTap, { axis: 0 }); // [K, g, Cg, Mg]
  return reshape(b.op1('Transpose', [stacked], { perm: [1, 3, 2, 0] }), [m, cg, ...win.kernel]);
}

/**
 * dW as one GEMM: the shifted windows of X stacked tap-minor into im2col rows [Cg·K, N·P] per group
 * (Concat of the tap slices), multiplied once by dY [Mg, N·P]. The product comes out in the weight's
 * own layout [M, Cg, k…], and one long GEMM keeps both cores busy where K narrow ones do not.
 */
export function convWeightGradStacked(x: Value, dy: Value, win: Window, group: number): Value {
  const b = x.b;
  const [n, c] = x.shape;
  const m = dy.shape[1];
  const [cg, mg] = [c / group, m / group];
  const outs = win.outSize.reduce((a, v) => a * v, 1);
  const taps = tapSlices(swap01(x), win).map((t) => reshape(t, [c, 1, n * outs]));
  const cols = taps.length === 1 ? taps[0] : b.op1('Concat', taps, { axis: 1 }); // [C, K, N·P]
  const k = taps.length;
  if (group === 1) {
    const lhs = reshape(swap01(dy), [m, n * outs]);
    return reshape(b.op1('Gemm', [lhs, reshape(cols, [c * k, n * outs])], { transB: 1 }), [m, c, ...win.kernel]);
  }
  const lhs = reshape(channelsToBatch(dy, group), [mg, group, n * outs]);
  const lhsG = b.op1('Transpose', [lhs], { perm: [1, 0, 2] }); // [g, Mg, N·P]
  const prod = b.op1('MatMul', [lhsG, b.op1('Transpose', [reshape(cols, [group, cg * k, n * outs])], { perm: [0, 2, 1] })]);
  return reshape(prod, [m, cg, ...win.kernel]);
}

/**
 * dW tap by tap with each tap's window one contiguous run per image: X (channels first) is padded and
 * flattened per image, and dY gets zero columns up to the padded width, so the product runs over a
 * grid as wide as the padded input. A tap's window is then an offset of the flattened image, and
 * its Slice copies rows of H·Wp elements rather than rows of W; the columns past the output width
 * meet dY's zeros and add nothing. 2-D, stride 1, group 1 (else the per-tap slices above).
 */
export function convWeightGradFlat(x: Value, dy: Value, win: Window, group: number): Value {
  const r = win.inSize.length;
  const padsEnd = win.inSize.map((h, i) => (win.kernel[i] - 1) * win.dilations[i] + win.outSize[i] - h - win.pads[i]);
  if (r !== 2 || group !== 1 || win.strides.some((s) => s !== 1) || padsEnd.some((p) => p < 0)) return convWeightGradTaps(x, dy, win, group);
  const b = x.b;
  const [n, c] = x.shape;
  const m = dy.shape[1];
  const [oh, ow] = win.outSize;
  const [kh, kw] = win.kernel;
  const [dh, dw] = win.dilations;
  const wp = win.inSize[1] + win.pads[1] + padsEnd[1];
  const hp = win.inSize[0] + win.pads[0] + padsEnd[0];
  // The last tap's window runs (kw − 1)·dw past the padded image: extra zero rows keep it inside.
  const extra = Math.ceil(((kw - 1) * dw) / wp);
  const flat = (hp + extra) * wp;
  const xp = b.op1('Pad', [swap01(x), b.ints([0, 0, win.pads[0], win.pads[1], 0, 0, padsEnd[0] + extra, padsEnd[1]])]);
  const xf = reshape(xp, [c, n, flat]);
  const span = oh * wp;
  const dyp = ow === wp ? swap01(dy) : b.op1('Pad', [swap01(dy), b.ints([0, 0, 0, 0, 0, 0, 0, wp - ow])]);
  const lhs = reshape(dyp, [m, n * span]);
  const axis = b.ints([2]);
  const perTap: Value[] = [];
  for (let i = 0; i < kh; i++)
    for (let j = 0; j < kw; j++) {
      const off = i * dh * wp + j * dw;
      const t = b.op1('Slice', [xf, b.ints([off]), b.ints([off + span]), axis]);
      perTap.push(reshape(b.op1('Gemm', [lhs, reshape(t, [c, n * span])], { transB: 1 }), [1, m, c]));
    }
  const stacked = perTap.length === 1 ? perTap[0] : b.op1('Concat', perTap, { axis: 0 }); // [K, M, C]
  return reshape(b.op1('Transpose', [stacked], { perm: [1, 2, 0] }), [m, c, kh, kw]);
}

/**
 * The weight gradient used by the Conv and ConvTranspose rules: the stacked taps. Alone, the
 * per-tap GEMMs are as fast on onnxruntime-node; inside a training step (2 threads, same process,
 * interleaved) the one long GEMM measured 440 against 515 ms for the pack's UNet on node, and
 * 129 against 156 ms for the bench conv net on wasm.
 */
export function convWeightGrad(x: Value, dy: Value, win: Window, group: number): Value {
  return convWeightGradStacked(x, dy, win, group);
}

