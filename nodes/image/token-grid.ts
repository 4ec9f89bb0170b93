// Token grids as pictures: each code gets its own colour (the same code always the same colour,
// whatever the model or the grid), so a learner sees which tokens repeat and which changed, and
// tokens not drawn yet are grey. Pure and free of the engine: the editor's Token Grid view and the
// AR Sampler's step-by-step reveal draw with the same colours.
import type { RgbaImage } from '../../runtime/index.ts';

export type Rgb = readonly [number, number, number];

/** What a token not known yet (still to be drawn, or masked for regeneration) is drawn in. */
export const UNKNOWN_GREY: Rgb = [190, 190, 190];

const GOLDEN = 0.618_033_988_75;
/** Three lightness bands and two saturations, so codes whose hues come close still differ. */
const LIGHTNESS = [0.42, 0.58, 0.72] as const;
const SATURATION = [0.75, 0.5] as const;

function hslToRgb(h: number, s: number, l: number): Rgb {
  const a = s * Math.min(l, 1 - l);
  const f = (n: number) => {
    const k = (n + h * 12) % 12;
    return Math.round(255 * (l - a * Math.max(-1, Math.min(k - 3, 9 - k, 1))));
  };
  return [f(0), f(8), f(4)];
}

/**
 * A code's colour: hues stepped by the golden ratio (neighbouring codes far apart on the colour
 * wheel), three lightness bands and two saturations, both high enough that no code reads as the
 * grey of an unknown token.
 */
export function codeColour(code: number): Rgb {
  if (!Number.isInteger(code) || code < 0) throw new Error(`token ${code} is not a code (a whole number ≥ 0)`);
  const hue = (code * GOLDEN) % 1;
  return hslToRgb(hue, SATURATION[Math.floor(code / 3) % 2], LIGHTNESS[code % 3]);
}

/** Which tokens of a grid are known: all of them, or those a mask marks (non-zero / true). */
const knownAt = (known: ArrayLike<number | boolean> | undefined, i: number) => !known || Boolean(known[i]);

/**
 * A grid of codes (raster order, side × side) as a picture, each token a `cell` × `cell` square with
 * a one-pixel white line between tokens when `cell` ≥ 4; tokens `known` does not mark are grey.
 */
export function tokenGridImage(codes: ArrayLike<number>, side: number, cell = 8, known?: ArrayLike<number | boolean>): RgbaImage {
  if (codes.length !== side * side) throw new Error(`a ${side}×${side} grid has ${side * side} tokens, got ${codes.length}`);
  const size = side * cell;
  const data = new Uint8Array(size * size * 4);
  const line = cell >= 4;
  for (let y = 0; y < size; y++)
    for (let x = 0; x < size; x++) {
      const i = Math.floor(y / cell) * side + Math.floor(x / cell);
      const edge = line && (x % cell === cell - 1 || y % cell === cell - 1);
      const rgb: Rgb = edge ? [255, 255, 255] : knownAt(known, i) ? codeColour(codes[i]) : UNKNOWN_GREY;
      data.set([rgb[0], rgb[1], rgb[2], 255], (y * size + x) * 4);
    }
  return { width: size, height: size, data };
}

/**
 * An image with the area of every unknown token washed to grey (the reveal: what the decoder
 * makes of a token not drawn yet means nothing). The image is split into side × side cells.
 */
export function greyUnknown(image: RgbaImage, side: number, known: ArrayLike<number | boolean>): RgbaImage {
  const { width: w, height: h } = image;
  const data = image.data.slice();
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const i = Math.floor((y * side) / h) * side + Math.floor((x * side) / w);
      if (knownAt(known, i)) continue;
      const p = (y * w + x) * 4;
      // Keep a faint trace of the pixels, so the grey area still reads as part of the picture.
      for (let c = 0; c < 3; c++) data[p + c] = Math.round(UNKNOWN_GREY[c] * 0.85 + data[p + c] * 0.15);
    }
  return { width: w, height: h, data };
}

/** The raster position of a token clicked at (x, y) on a grid picture of `size` pixels a side. */
export function tokenAt(x: number, y: number, side: number, size: number): number | null {
  const col = Math.floor((x / size) * side);
  const row = Math.floor((y / size) * side);
  if (col < 0 || row < 0 || col >= side || row >= side) return null;
  return row * side + col;
}

/** A mask (sorted raster positions) with one position added, or removed when it was there. */
export function toggleMasked(masked: readonly number[], position: number): number[] {
  const set = new Set(masked);
  if (set.has(position)) set.delete(position);
  else set.add(position);
  return [...set].sort((a, b) => a - b);
}
