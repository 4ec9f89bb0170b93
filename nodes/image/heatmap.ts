// A per-token value (the Likelihood node's loss) as a heat map over an image: each token's area
// tinted by a colour ramp from dark (expected) through red to yellow (surprising), blended over
// the picture so what the model found surprising is seen in place.
import { f32, type Tensor } from '../../ml/tensor.ts';

/** Stops of the ramp (black → purple → red → orange → pale yellow), as in perceptual "inferno" maps. */
const RAMP: readonly (readonly [number, number, number])[] = [
  [0, 0, 4],
  [87, 16, 110],
  [188, 55, 84],
  [249, 142, 9],
  [252, 255, 164],
];

/** The ramp's colour at t ∈ [0, 1], channels in [0, 1]. */
export function heatColour(t: number): [number, number, number] {
  const x = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0)) * (RAMP.length - 1);
  const i = Math.min(RAMP.length - 2, Math.floor(x));
  const f = x - i;
  return [0, 1, 2].map((c) => (RAMP[i][c] + (RAMP[i + 1][c] - RAMP[i][c]) * f) / 255) as [number, number, number];
}

/**
 * Images [n, 3, H, W] in [0, 1] with values [n, side, side] laid over them: each value divided by
 * `top` (the brightest), coloured, and blended with `opacity`.
 */
export function heatOverlay(images: Tensor, values: Float32Array, side: number, top: number, opacity: number): Tensor {
  const [n, c, h, w] = images.shape;
  if (c !== 3) throw new Error(`heat map: the images have ${c} channels, not 3`);
  if (values.length !== n * side * side) throw new Error(`heat map: ${values.length} values for ${n} grids of ${side}×${side}`);
  const src = images.data as Float32Array;
  const out = new Float32Array(src.length);
  const plane = h * w;
  for (let k = 0; k < n; k++)
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) {
        const v = values[k * side * side + Math.floor((y * side) / h) * side + Math.floor((x * side) / w)];
        const rgb = heatColour(top > 0 ? v / top : 0);
        for (let ch = 0; ch < 3; ch++) {
          const at = (k * 3 + ch) * plane + y * w + x;
          out[at] = src[at] * (1 - opacity) + rgb[ch] * opacity;
        }
      }
  return f32([n, 3, h, w], out);
}
