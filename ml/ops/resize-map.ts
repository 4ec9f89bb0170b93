// Resize geometry: output sizes from scales or sizes, and, per axis, the matrix that maps input
// to output rows exactly as onnxruntime computes them (float32 coordinates), used by gradients.
import type { AttrValue } from '../ir.ts';
import type { Fail } from './window.ts';

type Attrs = Readonly<Record<string, AttrValue>>;

export interface ResizeGeometry {
  inSize: number[];
  outSize: number[];
  /** Scale per axis: the given one, or out/in when sizes were given. */
  scales: number[];
}

/** Full-rank sizes and scales from the Resize inputs (scales or sizes, optionally for `axes` only). */
export function resizeGeometry(attrs: Attrs, x: readonly number[], scales: number[] | null, sizes: number[] | null, fail: Fail): ResizeGeometry {
  const r = x.length;
  const axesAttr = attrs.axes as number[] | undefined;
  const axes = axesAttr ? axesAttr.map((a) => (a < 0 ? a + r : a)) : x.map((_, i) => i);
  if (axes.some((a) => a < 0 || a >= r) || new Set(axes).size !== axes.length) fail(`axes [${axesAttr}] are invalid for rank ${r}`);
  if (scales?.length === 0) scales = null;
  if (sizes?.length === 0) sizes = null;
  if (!!scales === !!sizes) fail('exactly one of scales and sizes must be given');
  const given = (scales ?? sizes)!;
  if (given.length !== axes.length) fail(`${scales ? 'scales' : 'sizes'} has ${given.length} entries for ${axes.length} axes`);
  const policy = (attrs.keep_aspect_ratio_policy as string | undefined) ?? 'stretch';
  if (sizes && policy !== 'stretch') fail(`keep_aspect_ratio_policy "${policy}" is not supported`);
  const outSize = [...x];
  const sc = x.map(() => 1);
  axes.forEach((a, j) => {
    if (scales) {
      if (!(scales[j] > 0)) fail(`scale ${scales[j]} on axis ${a} must be positive`);
      sc[a] = Math.fround(scales[j]);
      outSize[a] = Math.floor(Math.fround(sc[a] * x[a]));
    } else {
      if (!(sizes![j] >= 1)) fail(`size ${sizes![j]} on axis ${a} must be at least 1`);
      outSize[a] = sizes![j];
      sc[a] = Math.fround(sizes![j] / x[a]);
    }
  });
  if (outSize.some((d) => d < 1)) fail(`output shape [${outSize}] is empty`);
  return { inSize: [...x], outSize, scales: sc };
}

const f = Math.fround;

/** The input coordinate an output index samples, per coordinate_transformation_mode (ORT's formulas). */
function sourceCoordinate(mode: string, o: number, scale: number, inLen: number, outLen: number, fail: Fail): number {
  switch (mode) {
    case 'half_pixel':
      return f(f(f(o + 0.5) / scale) - 0.5);
    case 'pytorch_half_pixel':
      return outLen > 1 ? f(f(f(o + 0.5) / scale) - 0.5) : 0;
    case 'asymmetric':
      return f(o / scale);
    case 'tf_half_pixel_for_nn':
      return f(f(o + 0.5) / scale);
    case 'align_corners':
      return outLen === 1 ? 0 : f(f(o * (inLen - 1)) / (outLen - 1));
    default:
      return fail(`coordinate_transformation_mode "${mode}" has no gradient`);
  }
}

function nearestIndex(mode: string, x: number, downsample: boolean, fail: Fail): number {
  switch (mode) {
    case 'round_prefer_floor':
      return x === Math.trunc(x) + 0.5 ? Math.floor(x) : roundHalfAway(x);
    case 'round_prefer_ceil':
      return roundHalfAway(x);
    case 'floor':
      return Math.floor(x);
    case 'ceil':
      return Math.ceil(x);
    case 'simple':
      return downsample ? Math.ceil(x) : Math.trunc(x);
    default:
      return fail(`nearest_mode "${mode}" is not supported`);
  }
}

const roundHalfAway = (x: number) => Math.sign(x) * Math.round(Math.abs(x));

/**
 * Dense [out, in] matrix M with y = M·x along one axis, for modes nearest, linear and cubic.
 * Coordinates are clamped to the input, as ORT does without extrapolation.
 */
export function resizeAxisMatrix(attrs: Attrs, inLen: number, outLen: number, scale: number, fail: Fail): Float32Array {
  const mode = (attrs.mode as string | undefined) ?? 'nearest';
  const ctm = (attrs.coordinate_transformation_mode as string | undefined) ?? 'half_pixel';
  const m = new Float32Array(outLen * inLen);
  for (let o = 0; o < outLen; o++) {
    const x = sourceCoordinate(ctm, o, scale, inLen, outLen, fail);
    if (mode === 'nearest') {
      const nm = (attrs.nearest_mode as string | undefined) ?? 'round_prefer_floor';
      const i = Math.min(inLen - 1, Math.max(0, nearestIndex(nm, x, scale < 1, fail)));
      m[o * inLen + i] = 1;
    } else if (mode === 'linear') {
      const c = Math.min(inLen - 1, Math.max(0, x));
      const i0 = Math.min(Math.trunc(c), inLen - 1);
      const i1 = Math.min(i0 + 1, inLen - 1);
      if (i0 === i1) m[o * inLen + i0] = 1;
      else {
        m[o * inLen + i0] += f(Math.abs(c - i1));
        m[o * inLen + i1] += f(Math.abs(c - i0));
      }
    } else if (mode === 'cubic') cubicRow(m, o, inLen, x, attrs);
    else fail(`mode "${mode}" has no gradient`);
  }
  return m;
}

/** The integer factor s when the matrix repeats each input row s times in order (nearest upsampling), else 0. */
export function blockFactor(m: Float32Array, inLen: number, outLen: number): number {
  if (outLen % inLen) return 0;
  const s = outLen / inLen;
  for (let o = 0; o < outLen; o++)
    for (let i = 0; i < inLen; i++) if (m[o * inLen + i] !== (i === Math.floor(o / s) ? 1 : 0)) return 0;
  return s;
}

/**
 * One row of cubic interpolation (Keys' kernel with coefficient a, ORT's default −0.75): four taps
 * around ⌊x⌋, edge indices clamped; with exclude_outside, taps outside the input get weight 0 and
 * the rest are renormalized.
 */
function cubicRow(m: Float32Array, o: number, inLen: number, x: number, attrs: Attrs) {
  const a = (attrs.cubic_coeff_a as number | undefined) ?? -0.75;
  const exclude = !!attrs.exclude_outside;
  const x0 = Math.floor(x);
  const s = f(x - x0);
  const w = [
    ((a * (s + 1) - 5 * a) * (s + 1) + 8 * a) * (s + 1) - 4 * a,
    ((a + 2) * s - (a + 3)) * s * s + 1,
    ((a + 2) * (1 - s) - (a + 3)) * (1 - s) * (1 - s) + 1,
    ((a * (2 - s) - 5 * a) * (2 - s) + 8 * a) * (2 - s) - 4 * a,
  ];
  let total = 0;
  for (let t = 0; t < 4; t++) {
    const i = x0 - 1 + t;
    if (exclude && (i < 0 || i >= inLen)) w[t] = 0;
    total += w[t];
  }
  for (let t = 0; t < 4; t++) {
    const i = Math.min(inLen - 1, Math.max(0, x0 - 1 + t));
    m[o * inLen + i] += exclude ? w[t] / total : w[t];
  }
}
