// Geometry of sliding-window operators (Conv, ConvTranspose, pools): attributes checked and
// auto_pad resolved to explicit pads, so that shape inference and gradient rules agree exactly.
import type { AttrValue } from '../ir.ts';

export type Fail = (message: string) => never;
type Attrs = Readonly<Record<string, AttrValue>>;

export interface Window {
  kernel: number[];
  strides: number[];
  dilations: number[];
  /** Explicit pads, ONNX order: all begins, then all ends. */
  pads: number[];
  /** Spatial sizes of the input and of the output. */
  inSize: number[];
  outSize: number[];
}

/** An ints attribute of length n (fallback-filled when absent). */
export function intsAttr(attrs: Attrs, name: string, n: number, fallback: number, fail: Fail, min = 0): number[] {
  const v = attrs[name];
  if (v === undefined) return new Array<number>(n).fill(fallback);
  if (!Array.isArray(v) || v.length !== n || !v.every((x) => typeof x === 'number' && Number.isInteger(x)))
    fail(`${name} must be ${n} integers, got ${JSON.stringify(v)}`);
  const ns = v as number[];
  if (ns.some((x) => x < min)) fail(`${name} [${ns}] must be at least ${min}`);
  return [...ns];
}

export const effectiveKernel = (k: number, d: number) => (k - 1) * d + 1;

/** Kernel sizes from the kernel_shape attribute, checked against the weight's when there is one. */
export function kernelShape(attrs: Attrs, n: number, fail: Fail, fromWeight?: readonly number[]): number[] {
  if (attrs.kernel_shape === undefined) {
    if (!fromWeight) fail('kernel_shape is required');
    return [...fromWeight];
  }
  const k = intsAttr(attrs, 'kernel_shape', n, 1, fail, 1);
  if (fromWeight && k.some((d, i) => d !== fromWeight[i])) fail(`kernel_shape [${k}] does not match the weight's [${fromWeight}]`);
  return k;
}

/**
 * Forward window of Conv and the pools: output size per spatial axis.
 * `ceil` follows ORT's pools: ceil division, but the last window must start inside the input or the begin pad.
 */
export function forwardWindow(attrs: Attrs, inSize: readonly number[], kernel: readonly number[], fail: Fail, ceil = false): Window {
  const n = inSize.length;
  const strides = intsAttr(attrs, 'strides', n, 1, fail, 1);
  const dilations = intsAttr(attrs, 'dilations', n, 1, fail, 1);
  const autoPad = (attrs.auto_pad as string | undefined) ?? 'NOTSET';
  const ek = kernel.map((k, i) => effectiveKernel(k, dilations[i]));
  let pads: number[];
  switch (autoPad) {
    case 'NOTSET':
      pads = intsAttr(attrs, 'pads', 2 * n, 0, fail, 0);
      break;
    case 'VALID':
      pads = new Array<number>(2 * n).fill(0);
      break;
    case 'SAME_UPPER':
    case 'SAME_LOWER': {
      if (dilations.some((d) => d !== 1)) fail(`auto_pad ${autoPad} with dilations [${dilations}] is not supported by onnxruntime`);
      pads = new Array<number>(2 * n).fill(0);
      for (let i = 0; i < n; i++) {
        const out = Math.ceil(inSize[i] / strides[i]);
        const total = Math.max(0, (out - 1) * strides[i] + ek[i] - inSize[i]);
        const head = autoPad === 'SAME_UPPER' ? Math.floor(total / 2) : Math.ceil(total / 2);
        pads[i] = head;
        pads[i + n] = total - head;
      }
      break;
    }
    default:
      fail(`auto_pad "${autoPad}" is not one of NOTSET, VALID, SAME_UPPER, SAME_LOWER`);
  }
  const outSize = inSize.map((d, i) => {
    const span = d + pads[i] + pads[i + n] - ek[i];
    if (span < 0) fail(`kernel ${kernel[i]} (dilation ${dilations[i]}) is larger than padded input ${d + pads[i] + pads[i + n]} on spatial axis ${i}`);
    if (!ceil) return Math.floor(span / strides[i]) + 1;
    let o = Math.ceil(span / strides[i]) + 1;
    if ((o - 1) * strides[i] >= d + pads[i]) o--;
    return o;
  });
  return { kernel: [...kernel], strides, dilations, pads, inSize: [...inSize], outSize };
}

/**
 * Window of ConvTranspose, as onnxruntime computes it: with output_shape, or with auto_pad SAME_*
 * (which aims at input·stride), the total padding is split with the odd element at the beginning,
 * except under SAME_UPPER, which puts it at the end.
 */
export function transposedWindow(
  attrs: Attrs,
  inSize: readonly number[],
  kernel: readonly number[],
  fail: Fail,
): Window & { outputPadding: number[] } {
  const n = inSize.length;
  const strides = intsAttr(attrs, 'strides', n, 1, fail, 1);
  const dilations = intsAttr(attrs, 'dilations', n, 1, fail, 1);
  const outputPadding = intsAttr(attrs, 'output_padding', n, 0, fail, 0);
  // onnxruntime rejects output_padding >= stride even where the spec allows it (dilation larger).
  if (outputPadding.some((p, i) => p >= strides[i])) fail(`output_padding [${outputPadding}] must be smaller than strides [${strides}]`);
  const autoPad = (attrs.auto_pad as string | undefined) ?? 'NOTSET';
  if (!['NOTSET', 'VALID', 'SAME_UPPER', 'SAME_LOWER'].includes(autoPad)) fail(`auto_pad "${autoPad}" is not supported`);
  const full = inSize.map((d, i) => strides[i] * (d - 1) + outputPadding[i] + effectiveKernel(kernel[i], dilations[i]));
  let pads = new Array<number>(2 * n).fill(0);
  let target: number[] | undefined;
  if (attrs.output_shape !== undefined) {
    // Spatial sizes only: onnxruntime rejects the full output shape.
    target = intsAttr(attrs, 'output_shape', n, 0, fail, 1);
  } else if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') target = inSize.map((d, i) => d * strides[i]);
  if (target) {
    for (let i = 0; i < n; i++) {
      const total = full[i] - target[i];
      if (total < 0) fail(`output size ${target[i]} exceeds the largest reachable ${full[i]} on spatial axis ${i}`);
      const head = autoPad === 'SAME_UPPER' ? Math.floor(total / 2) : Math.ceil(total / 2);
      pads[i] = head;
      pads[i + n] = total - head;
    }
  } else if (autoPad === 'NOTSET') pads = intsAttr(attrs, 'pads', 2 * n, 0, fail, 0);
  const outSize = full.map((f, i) => f - pads[i] - pads[i + n]);
  if (outSize.some((d) => d < 1)) fail(`output size [${outSize}] is empty`);
  return { kernel: [...kernel], strides, dilations, pads, inSize: [...inSize], outSize, outputPadding };
}

/**
 * output_padding that makes a transposed window of `w` reproduce the forward input size exactly:
 * the rows a strided forward window never reached.
 */
export function adjointOutputPadding(w: Window): number[] {
  const n = w.inSize.length;
  return w.inSize.map((d, i) => (d + w.pads[i] + w.pads[i + n] - effectiveKernel(w.kernel[i], w.dilations[i])) % w.strides[i]);
}
