// The values of the GAN's inversion spaces as plain tensors, one tensor per code so a port or a file
// carries it whole. Per image (N rows):
//   Z  [N, zDim + classes]   z, then the one-hot sub-category (just z when unconditioned)
//   W  [N, wDim]             one w for every layer
//   W+ [N, numWs, wDim]      one w per W+ entry (see config.ts numWs)
//   S  [N, ΣCin]             every modulated layer's style, concatenated in styleLayers() order
//   F  [N, Cf·Sf² + C·Sf² + numWs·wDim]  the synthesis's state entering level `featureLevel`, both
//                            at its side Sf = 4·2^featureLevel: the features its conv0 reads (flattened
//                            [Cf, Sf, Sf]), then the RGB skip sum of the levels below (flattened
//                            [C, Sf, Sf], C = imageChannels, already upsampled to Sf), then the W+
//                            that drives the layers from there up (the entries below are unused)
// Pure functions of the config: shapes, checks, splitting and joining, fixed noise, image ranges.
import { f32, Rng, randn, sizeOf, type Tensor } from '../../ml/index.ts';
import type { GanSpace } from './graphs.ts';
import { type GanConfig, levelsOf, noiseInputs, numWs } from './config.ts';

export const GAN_SPACES: readonly GanSpace[] = ['z', 'w', 'w+', 's', 'f'];

const LABEL: Record<GanSpace, string> = { z: 'Z', w: 'W', 'w+': 'W+', s: 'S', f: 'F' };
export const spaceLabel = (s: GanSpace) => LABEL[s];

export function checkSpace(space: string): GanSpace {
  if (!(GAN_SPACES as readonly string[]).includes(space)) throw new Error(`"${space}" is not a space of the GAN: use one of ${GAN_SPACES.join(', ')}`);
  return space as GanSpace;
}

/** Input channels of every modulated layer, in Synthesis.styleLayers() order (conv0, conv1, toRGB per level). */
export function styleSizes(c: GanConfig): number[] {
  const out: number[] = [];
  for (let l = 0; l < levelsOf(c); l++) {
    if (l > 0) out.push(c.channels[l - 1]);
    out.push(c.channels[l]);
    out.push(c.channels[l]);
  }
  return out;
}

/** The F space's feature map per image: [channels[level − 1], 4·2^level, 4·2^level]. */
export function featureShape(c: GanConfig, level: number): [number, number, number] {
  if (!(Number.isInteger(level) && level >= 1 && level < levelsOf(c))) throw new Error(`F space: feature level ${level} is outside 1…${levelsOf(c) - 1}`);
  return [c.channels[level - 1], 4 << level, 4 << level];
}

/** The F space's RGB skip per image: [imageChannels, 4·2^level, 4·2^level], at the level's side. */
export function skipShape(c: GanConfig, level: number): [number, number, number] {
  const [, side] = featureShape(c, level);
  return [c.imageChannels, side, side];
}

/** A code's shape without the leading N. */
export function codeShape(c: GanConfig, space: GanSpace, featureLevel: number): number[] {
  switch (space) {
    case 'z':
      return [c.zDim + c.classes];
    case 'w':
      return [c.wDim];
    case 'w+':
      return [numWs(c), c.wDim];
    case 's':
      return [styleSizes(c).reduce((a, b) => a + b, 0)];
    case 'f':
      return [sizeOf(featureShape(c, featureLevel)) + sizeOf(skipShape(c, featureLevel)) + numWs(c) * c.wDim];
  }
}

/** N of a code, or an error naming the shape this generator takes. */
export function checkCode(c: GanConfig, space: GanSpace, value: Tensor, featureLevel: number): number {
  const want = codeShape(c, space, featureLevel);
  const got = value.shape;
  const fits = value.dtype === 'float32' && got.length === want.length + 1 && got[0] > 0 && want.every((d, i) => got[i + 1] === d);
  if (!fits) throw new Error(`${LABEL[space]} code [${got}] is for another generator: this one takes [N, ${want.join(', ')}]`);
  return got[0];
}

/** Rows [from, to) of a tensor along axis 0, zero-padded to `pad` rows when given. */
export function rows(t: Tensor, from: number, to: number, pad?: number): Tensor {
  const per = sizeOf(t.shape.slice(1));
  const n = Math.max(to - from, pad ?? 0);
  const data = new Float32Array(n * per);
  data.set((t.data as Float32Array).subarray(from * per, to * per));
  return f32([n, ...t.shape.slice(1)], data);
}

/** Tensors stacked along axis 0 (same trailing shape). */
export function concatRows(ts: readonly Tensor[]): Tensor {
  const n = ts.reduce((a, t) => a + t.shape[0], 0);
  const per = sizeOf(ts[0].shape.slice(1));
  const data = new Float32Array(n * per);
  let at = 0;
  for (const t of ts) {
    data.set(t.data as Float32Array, at);
    at += t.data.length;
  }
  return f32([n, ...ts[0].shape.slice(1)], data);
}

/** One vector repeated: [n, ...shape] with `v` in every row (and every W+ entry when shape is [numWs, D]). */
export function tile(v: Float32Array, n: number, shape: readonly number[]): Tensor {
  const per = sizeOf(shape);
  if (per % v.length) throw new Error(`tile: ${v.length} values do not repeat into [${shape}]`);
  const out = new Float32Array(n * per);
  for (let i = 0; i < out.length; i += v.length) out.set(v, i);
  return f32([n, ...shape], out);
}

/** w [n, wDim] → W+ [n, numWs, wDim] (the same w at every entry). */
export function broadcastW(c: GanConfig, w: Tensor): Tensor {
  const n = w.shape[0];
  const D = c.wDim;
  const out = new Float32Array(n * numWs(c) * D);
  for (let k = 0; k < n; k++) for (let i = 0; i < numWs(c); i++) out.set((w.data as Float32Array).subarray(k * D, (k + 1) * D), (k * numWs(c) + i) * D);
  return f32([n, numWs(c), D], out);
}

/** Splits each row of a [n, Σ sizes] tensor into [n, size] tensors. */
function splitColumns(t: Tensor, sizes: readonly number[]): Tensor[] {
  const n = t.shape[0];
  const total = sizes.reduce((a, b) => a + b, 0);
  const src = t.data as Float32Array;
  let off = 0;
  return sizes.map((s) => {
    const out = new Float32Array(n * s);
    for (let k = 0; k < n; k++) out.set(src.subarray(k * total + off, k * total + off + s), k * s);
    off += s;
    return f32([n, s], out);
  });
}

/** Joins [n, ...] tensors row by row into [n, Σ per-row sizes]. */
function joinColumns(ts: readonly Tensor[]): Tensor {
  const n = ts[0].shape[0];
  const sizes = ts.map((t) => t.data.length / n);
  const total = sizes.reduce((a, b) => a + b, 0);
  const out = new Float32Array(n * total);
  for (let k = 0; k < n; k++) {
    let off = k * total;
    ts.forEach((t, i) => {
      out.set((t.data as Float32Array).subarray(k * sizes[i], (k + 1) * sizes[i]), off);
      off += sizes[i];
    });
  }
  return f32([n, total], out);
}

/** S [n, ΣCin] → one [n, Cin] style per modulated layer. */
export const splitStyles = (c: GanConfig, s: Tensor): Tensor[] => splitColumns(s, styleSizes(c));
/** Per-layer styles [n, Cin] → S [n, ΣCin]. */
export const joinStyles = (styles: readonly Tensor[]): Tensor => joinColumns(styles);

/** F → its features [n, Cf, Sf, Sf], RGB skip [n, C, Sf, Sf] and W+ [n, numWs, wDim]. */
export function splitF(c: GanConfig, f: Tensor, level: number): { features: Tensor; skip: Tensor; ws: Tensor } {
  const fs = featureShape(c, level);
  const ss = skipShape(c, level);
  const [features, skip, ws] = splitColumns(f, [sizeOf(fs), sizeOf(ss), numWs(c) * c.wDim]);
  const n = f.shape[0];
  const as = (t: Tensor, shape: number[]) => f32([n, ...shape], t.data as Float32Array);
  return { features: as(features, fs), skip: as(skip, ss), ws: as(ws, [numWs(c), c.wDim]) };
}
export const joinF = (features: Tensor, skip: Tensor, ws: Tensor): Tensor => joinColumns([features, skip, ws]);

/** Z → z [n, zDim] and the one-hot class [n, classes] (null when unconditioned). */
export function splitZ(c: GanConfig, code: Tensor): { z: Tensor; cls: Tensor | null } {
  if (!c.classes) return { z: code, cls: null };
  const [z, cls] = splitColumns(code, [c.zDim, c.classes]);
  return { z, cls };
}
export const joinZ = (z: Tensor, cls: Tensor | null): Tensor => (cls ? joinColumns([z, cls]) : z);

export function oneHot(c: GanConfig, classes: readonly number[]): Tensor {
  const t = f32([classes.length, c.classes]);
  classes.forEach((k, i) => {
    if (!(Number.isInteger(k) && k >= 0 && k < c.classes)) throw new Error(`class ${k} is outside 0…${c.classes - 1}`);
    (t.data as Float32Array)[i * c.classes + k] = 1;
  });
  return t;
}

/** The class index of each one-hot row (its largest entry). */
export function classesOf(cls: Tensor): number[] {
  const [n, k] = cls.shape;
  const d = cls.data as Float32Array;
  return Array.from({ length: n }, (_, i) => {
    let best = 0;
    for (let j = 1; j < k; j++) if (d[i * k + j] > d[i * k + best]) best = j;
    return best;
  });
}

/**
 * The per-layer noise maps for n images: one seeded draw per map, the same for every image
 * (StyleGAN2's 'const' noise), so a code renders the same image at any batch position and size.
 */
export function fixedNoise(c: GanConfig, seed: number, n: number): Record<string, Tensor> {
  const rng = new Rng(seed);
  return Object.fromEntries(
    noiseInputs(c).map(({ name, side }) => {
      const one = randn([side * side], rng).data as Float32Array;
      return [name, tile(one, n, [1, side, side])];
    }),
  );
}

/** Images in [0, 1] → the graph's [−1, 1]. */
export function toSigned(images: Tensor): Tensor {
  return f32(images.shape, (images.data as Float32Array).map((v) => v * 2 - 1));
}

/** The generator's raw output (about [−1, 1]) → images in [0, 1], clipped. */
export function toUnit(raw: Tensor): Tensor {
  return f32(raw.shape, (raw.data as Float32Array).map((v) => Math.min(1, Math.max(0, (v + 1) / 2))));
}
