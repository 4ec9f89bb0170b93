// Seeded synthetic images for training demos and tests: a linear colour gradient with a few
// filled rectangles and discs on top. Structured enough that an autoencoder must learn shapes and
// colours, cheap enough to draw thousands of on the fly, and identical for a given seed everywhere.
import type { Rng } from '../random.ts';
import { f32, type Tensor } from '../tensor.ts';

export interface ShapesOptions {
  /** Side in pixels (square images). */
  size: number;
  /** Shapes per image: a whole number in [min, max]. */
  shapes?: readonly [number, number];
}

/** A batch [n, 3, size, size] in NCHW, values in [0, 1]. */
export function shapeImages(n: number, rng: Rng, opts: ShapesOptions): Tensor {
  const { size } = opts;
  const [lo, hi] = opts.shapes ?? [1, 3];
  const t = f32([n, 3, size, size]);
  const d = t.data as Float32Array;
  const plane = size * size;
  const colour = () => [rng.next(), rng.next(), rng.next()];
  for (let k = 0; k < n; k++) {
    const img = d.subarray(k * 3 * plane, (k + 1) * 3 * plane);
    // Background: colours c0 → c1 along a random direction.
    const [c0, c1] = [colour(), colour()];
    const a = rng.next() * 2 * Math.PI;
    const [dx, dy] = [Math.cos(a), Math.sin(a)];
    for (let y = 0; y < size; y++)
      for (let x = 0; x < size; x++) {
        const s = 0.5 + (((x + 0.5) / size - 0.5) * dx + ((y + 0.5) / size - 0.5) * dy) * 0.7;
        for (let c = 0; c < 3; c++) img[c * plane + y * size + x] = c0[c] + (c1[c] - c0[c]) * s;
      }
    const count = lo + rng.int(hi - lo + 1);
    for (let s = 0; s < count; s++) {
      const col = colour();
      const cx = rng.next() * size;
      const cy = rng.next() * size;
      const r = size * (0.12 + 0.2 * rng.next());
      const disc = rng.next() < 0.5;
      for (let y = 0; y < size; y++)
        for (let x = 0; x < size; x++) {
          const [px, py] = [x + 0.5 - cx, y + 0.5 - cy];
          const inside = disc ? px * px + py * py <= r * r : Math.abs(px) <= r && Math.abs(py) <= r * 0.7;
          if (inside) for (let c = 0; c < 3; c++) img[c * plane + y * size + x] = col[c];
        }
    }
    for (let i = 0; i < img.length; i++) img[i] = Math.min(1, Math.max(0, img[i]));
  }
  return t;
}
