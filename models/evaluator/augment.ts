// Light augmentation for the evaluator's images, so it scores what an emoji shows rather than the
// exact pixels it was trained on (generated images are never pixel-identical to the set):
//   - a small random similarity transform (scale 0.85–1.05, ±8°, ±4 px shift), sampled bilinearly
//     with a white fill, since every emoji sits on white;
//   - sometimes a blur or a little noise, the typical flaws of a small generator's samples.
// No horizontal flips: they change what many emoji mean (arrows, pointing hands, text in flags).
// No colour jitter either: colour is the concept for hearts, circles and squares.
import type { Rng } from '../../ml/index.ts';

export interface AugmentOptions {
  maxShift: number;
  scale: readonly [number, number];
  maxRotationDeg: number;
  blurProbability: number;
  noiseProbability: number;
  maxNoise: number;
}

export const DEFAULT_AUGMENT: AugmentOptions = {
  maxShift: 4,
  scale: [0.85, 1.05],
  maxRotationDeg: 8,
  blurProbability: 0.2,
  noiseProbability: 0.2,
  maxNoise: 0.1,
};

/** The value of white in the [−1, 1] image range. */
const WHITE = 1;

export interface Similarity {
  scale: number;
  /** Radians about the image centre (drawn symmetrically, so its sense does not matter). */
  angle: number;
  dx: number;
  dy: number;
}

/**
 * Writes src [3, size, size] transformed by `t` (about the image centre) into dst. Each output pixel
 * reads the inverse-mapped source point bilinearly; points outside the image read white.
 */
export function warp(src: Float32Array, dst: Float32Array, size: number, t: Similarity): void {
  const plane = size * size;
  const c = (size - 1) / 2;
  const cos = Math.cos(t.angle) / t.scale;
  const sin = Math.sin(t.angle) / t.scale;
  const at = (ch: number, x: number, y: number) => (x < 0 || y < 0 || x >= size || y >= size ? WHITE : src[ch * plane + y * size + x]);
  for (let y = 0; y < size; y++)
    for (let x = 0; x < size; x++) {
      const u = x - c - t.dx;
      const v = y - c - t.dy;
      const sx = cos * u + sin * v + c;
      const sy = -sin * u + cos * v + c;
      const x0 = Math.floor(sx);
      const y0 = Math.floor(sy);
      const fx = sx - x0;
      const fy = sy - y0;
      for (let ch = 0; ch < 3; ch++) {
        const top = at(ch, x0, y0) * (1 - fx) + at(ch, x0 + 1, y0) * fx;
        const bottom = at(ch, x0, y0 + 1) * (1 - fx) + at(ch, x0 + 1, y0 + 1) * fx;
        dst[ch * plane + y * size + x] = top * (1 - fy) + bottom * fy;
      }
    }
}

/** 3×3 box blur per channel, edges clamped. */
export function boxBlur(img: Float32Array, size: number): void {
  const plane = size * size;
  const tmp = new Float32Array(plane);
  for (let ch = 0; ch < 3; ch++) {
    const p = img.subarray(ch * plane, (ch + 1) * plane);
    for (let y = 0; y < size; y++)
      for (let x = 0; x < size; x++) {
        let s = 0;
        for (let dy = -1; dy <= 1; dy++)
          for (let dx = -1; dx <= 1; dx++) s += p[Math.min(size - 1, Math.max(0, y + dy)) * size + Math.min(size - 1, Math.max(0, x + dx))];
        tmp[y * size + x] = s / 9;
      }
    p.set(tmp);
  }
}

/** Augments a batch [n, 3, size, size] in place with draws from rng. */
export function augmentBatch(batch: Float32Array, n: number, size: number, rng: Rng, opts: AugmentOptions = DEFAULT_AUGMENT): void {
  const per = 3 * size * size;
  const src = new Float32Array(per);
  const uniform = (lo: number, hi: number) => lo + (hi - lo) * rng.next();
  for (let k = 0; k < n; k++) {
    const img = batch.subarray(k * per, (k + 1) * per);
    src.set(img);
    const rot = (opts.maxRotationDeg * Math.PI) / 180;
    warp(src, img, size, {
      scale: uniform(opts.scale[0], opts.scale[1]),
      angle: uniform(-rot, rot),
      dx: uniform(-opts.maxShift, opts.maxShift),
      dy: uniform(-opts.maxShift, opts.maxShift),
    });
    if (rng.next() < opts.blurProbability) boxBlur(img, size);
    if (rng.next() < opts.noiseProbability) {
      const sd = uniform(0, opts.maxNoise);
      for (let i = 0; i < per; i++) img[i] = Math.min(1, Math.max(-1, img[i] + sd * rng.normal()));
    }
  }
}
