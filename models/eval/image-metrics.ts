// Reconstruction metrics on images in [−1, 1] (NCHW float32), measured in [0, 1] after clamping,
// as libraries report them: PSNR = 10·log10(1/MSE) per image, then averaged; SSIM (Wang et al. 2004)
// with an 11×11 Gaussian window (σ = 1.5), K1 = 0.01, K2 = 0.03, over valid windows, averaged over
// channels and images (skimage's structural_similarity with gaussian_weights=True, data_range=1).

const to01 = (v: number) => Math.min(1, Math.max(0, (v + 1) / 2));

/** PSNR in dB of each image of a batch. Identical images give Infinity. */
export function psnrPerImage(a: Float32Array, b: Float32Array, n: number): number[] {
  if (a.length !== b.length || a.length % n) throw new Error(`psnr: sizes ${a.length} and ${b.length} do not split into ${n} images`);
  const per = a.length / n;
  const out: number[] = [];
  for (let k = 0; k < n; k++) {
    let s = 0;
    for (let i = k * per; i < (k + 1) * per; i++) s += (to01(a[i]) - to01(b[i])) ** 2;
    out.push(10 * Math.log10(1 / (s / per)));
  }
  return out;
}

const WIN = 11;
const KERNEL = (() => {
  const g = Array.from({ length: WIN }, (_, i) => Math.exp(-((i - 5) ** 2) / (2 * 1.5 ** 2)));
  const s = g.reduce((x, y) => x + y, 0);
  return g.map((v) => v / s);
})();

/** Separable Gaussian filter over the valid region: [h, w] → [h − 10, w − 10]. */
function blur(x: Float64Array, h: number, w: number): Float64Array {
  const ow = w - WIN + 1;
  const oh = h - WIN + 1;
  const rows = new Float64Array(h * ow);
  for (let y = 0; y < h; y++)
    for (let x0 = 0; x0 < ow; x0++) {
      let s = 0;
      for (let k = 0; k < WIN; k++) s += KERNEL[k] * x[y * w + x0 + k];
      rows[y * ow + x0] = s;
    }
  const out = new Float64Array(oh * ow);
  for (let y0 = 0; y0 < oh; y0++)
    for (let x = 0; x < ow; x++) {
      let s = 0;
      for (let k = 0; k < WIN; k++) s += KERNEL[k] * rows[(y0 + k) * ow + x];
      out[y0 * ow + x] = s;
    }
  return out;
}

/** SSIM of each image of a batch [n, c, h, w]. */
export function ssimPerImage(a: Float32Array, b: Float32Array, shape: readonly number[]): number[] {
  const [n, c, h, w] = shape;
  if (a.length !== n * c * h * w || b.length !== a.length) throw new Error(`ssim: arrays do not hold [${shape}]`);
  if (h < WIN || w < WIN) throw new Error(`ssim: images must be at least ${WIN}×${WIN}`);
  const C1 = 0.01 ** 2;
  const C2 = 0.03 ** 2;
  const plane = h * w;
  const out: number[] = [];
  for (let k = 0; k < n; k++) {
    let total = 0;
    for (let ch = 0; ch < c; ch++) {
      const o = (k * c + ch) * plane;
      const x = new Float64Array(plane);
      const y = new Float64Array(plane);
      for (let i = 0; i < plane; i++) {
        x[i] = to01(a[o + i]);
        y[i] = to01(b[o + i]);
      }
      const sq = (p: Float64Array, q: Float64Array) => p.map((v, i) => v * q[i]);
      const [mx, my, mxx, myy, mxy] = [blur(x, h, w), blur(y, h, w), blur(sq(x, x), h, w), blur(sq(y, y), h, w), blur(sq(x, y), h, w)];
      let s = 0;
      for (let i = 0; i < mx.length; i++) {
        const vx = mxx[i] - mx[i] ** 2;
        const vy = myy[i] - my[i] ** 2;
        const cxy = mxy[i] - mx[i] * my[i];
        s += ((2 * mx[i] * my[i] + C1) * (2 * cxy + C2)) / ((mx[i] ** 2 + my[i] ** 2 + C1) * (vx + vy + C2));
      }
      total += s / mx.length;
    }
    out.push(total / c);
  }
  return out;
}

export const mean = (xs: readonly number[]) => xs.reduce((s, v) => s + v, 0) / xs.length;
