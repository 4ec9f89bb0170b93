// Pure image kernels on NCHW float32 tensors in [0, 1]. No DOM, no I/O: loaders decode to RGBA
// first, savers encode from RGBA after.
import { f32, type Tensor } from '../../ml/tensor.ts';
import type { RgbaImage } from '../../runtime/index.ts';

export type FitMode = 'cover' | 'contain' | 'stretch';

/** RGBA8 → [1, 3, H, W] in [0, 1], alpha composited over white (what people see in a viewer). */
export function rgbaToTensor(img: RgbaImage): Tensor {
  const { width: w, height: h, data } = img;
  const plane = w * h;
  const out = new Float32Array(3 * plane);
  for (let i = 0; i < plane; i++) {
    const a = data[i * 4 + 3] / 255;
    for (let c = 0; c < 3; c++) out[c * plane + i] = (data[i * 4 + c] / 255) * a + (1 - a);
  }
  return f32([1, 3, h, w], out);
}

/** One image of a batch as opaque RGBA8 (grey for one channel, RGB for three). */
export function tensorToRgba(t: Tensor, index = 0): RgbaImage {
  const [, c, h, w] = t.shape;
  const plane = w * h;
  const src = t.data as Float32Array;
  const base = index * c * plane;
  const data = new Uint8Array(plane * 4);
  for (let i = 0; i < plane; i++) {
    for (let k = 0; k < 3; k++) {
      const v = src[base + Math.min(k, c - 1) * plane + i];
      data[i * 4 + k] = Math.round(Math.min(1, Math.max(0, v)) * 255);
    }
    data[i * 4 + 3] = 255;
  }
  return { width: w, height: h, data };
}

/** Resample one axis with a triangle filter widened by the scale factor, so downscaling
 * averages (no aliasing) and upscaling interpolates linearly. */
function resampleAxis(src: Float32Array, outer: number, n: number, inner: number, m: number): Float32Array {
  const out = new Float32Array(outer * m * inner);
  const scale = n / m;
  const support = Math.max(1, scale);
  for (let j = 0; j < m; j++) {
    const center = (j + 0.5) * scale - 0.5;
    const lo = Math.max(0, Math.floor(center - support));
    const hi = Math.min(n - 1, Math.ceil(center + support));
    const weights: number[] = [];
    let total = 0;
    for (let i = lo; i <= hi; i++) {
      const wgt = Math.max(0, 1 - Math.abs(i - center) / support);
      weights.push(wgt);
      total += wgt;
    }
    if (total === 0) {
      weights.fill(0);
      weights[Math.min(weights.length - 1, Math.max(0, Math.round(center) - lo))] = 1;
      total = 1;
    }
    for (let o = 0; o < outer; o++)
      for (let k = 0; k < inner; k++) {
        let acc = 0;
        for (let i = lo; i <= hi; i++) acc += weights[i - lo] * src[(o * n + i) * inner + k];
        out[(o * m + j) * inner + k] = acc / total;
      }
  }
  return out;
}

export function resize(t: Tensor, height: number, width: number): Tensor {
  const [n, c, h, w] = t.shape;
  if (h === height && w === width) return t;
  const rows = resampleAxis(t.data as Float32Array, n * c, h, w, height);
  const cols = resampleAxis(rows, n * c * height, w, 1, width);
  return f32([n, c, height, width], cols);
}

export function crop(t: Tensor, top: number, left: number, height: number, width: number): Tensor {
  const [n, c, h, w] = t.shape;
  if (top < 0 || left < 0 || top + height > h || left + width > w)
    throw new Error(`crop ${width}×${height} at (${left}, ${top}) does not fit in a ${w}×${h} image`);
  const src = t.data as Float32Array;
  const out = new Float32Array(n * c * height * width);
  for (let p = 0; p < n * c; p++)
    for (let y = 0; y < height; y++) {
      const from = (p * h + top + y) * w + left;
      out.set(src.subarray(from, from + width), (p * height + y) * width);
    }
  return f32([n, c, height, width], out);
}

/** Place into a larger canvas filled with `fill`, centred. */
export function pad(t: Tensor, height: number, width: number, fill = 1): Tensor {
  const [n, c, h, w] = t.shape;
  const top = Math.floor((height - h) / 2);
  const left = Math.floor((width - w) / 2);
  const src = t.data as Float32Array;
  const out = new Float32Array(n * c * height * width).fill(fill);
  for (let p = 0; p < n * c; p++)
    for (let y = 0; y < h; y++) out.set(src.subarray((p * h + y) * w, (p * h + y + 1) * w), (p * height + top + y) * width + left);
  return f32([n, c, height, width], out);
}

/** Bring an image to exactly height × width: `cover` scales to fill and crops the centre,
 * `contain` scales to fit and pads with white, `stretch` ignores the aspect ratio. */
export function fit(t: Tensor, height: number, width: number, mode: FitMode): Tensor {
  const [, , h, w] = t.shape;
  if (mode === 'stretch') return resize(t, height, width);
  const scale = mode === 'cover' ? Math.max(height / h, width / w) : Math.min(height / h, width / w);
  const sh = Math.max(1, Math.round(h * scale));
  const sw = Math.max(1, Math.round(w * scale));
  const scaled = resize(t, sh, sw);
  if (mode === 'contain') return pad(scaled, height, width);
  return crop(scaled, Math.floor((sh - height) / 2), Math.floor((sw - width) / 2), height, width);
}

/** Stack same-sized batches along N. */
export function concatBatch(parts: readonly Tensor[]): Tensor {
  const [, c, h, w] = parts[0].shape;
  for (const p of parts)
    if (p.shape[1] !== c || p.shape[2] !== h || p.shape[3] !== w)
      throw new Error(`cannot batch a ${p.shape[3]}×${p.shape[2]}×${p.shape[1]} image with ${w}×${h}×${c}`);
  const n = parts.reduce((a, p) => a + p.shape[0], 0);
  const out = new Float32Array(n * c * h * w);
  let at = 0;
  for (const p of parts) {
    out.set(p.data as Float32Array, at);
    at += p.data.length;
  }
  return f32([n, c, h, w], out);
}

/** Images of a batch laid out in rows of `columns`, each cell `cell` pixels square (contained). */
export function grid(batch: Tensor, columns: number, cell: number, gap = 2): Tensor {
  const [n, c] = batch.shape;
  const cols = Math.min(columns, n);
  const rows = Math.ceil(n / cols);
  const height = rows * cell + (rows - 1) * gap;
  const width = cols * cell + (cols - 1) * gap;
  const out = new Float32Array(3 * height * width).fill(1);
  const [, , h, w] = batch.shape;
  const plane = c * h * w;
  for (let i = 0; i < n; i++) {
    const one = f32([1, c, h, w], (batch.data as Float32Array).subarray(i * plane, (i + 1) * plane));
    const cellT = fit(one, cell, cell, 'contain');
    const src = cellT.data as Float32Array;
    const top = Math.floor(i / cols) * (cell + gap);
    const left = (i % cols) * (cell + gap);
    for (let k = 0; k < 3; k++) {
      const ck = Math.min(k, c - 1);
      for (let y = 0; y < cell; y++)
        out.set(src.subarray((ck * cell + y) * cell, (ck * cell + y + 1) * cell), (k * height + top + y) * width + left);
    }
  }
  return f32([1, 3, height, width], out);
}
