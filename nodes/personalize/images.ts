// The boundary between image ports ([0, 1], any size) and a pack's models ([−1, 1], the pack's
// resolution, RGB). A wrong size or channel count is refused here with what to do about it.
import { f32 } from '../../ml/index.ts';
import type { PackModel } from '../../models/personalize/index.ts';
import type { ImageBatch, Latent } from '../../runtime/index.ts';

/** Images of a port as the model's input: [n, 3, R, R] in [−1, 1]. */
export function toModelImages(batch: ImageBatch, model: PackModel, what = 'image'): { data: Float32Array; n: number } {
  const [n, c, h, w] = batch.tensor.shape;
  const r = model.resolution;
  if (batch.tensor.shape.length !== 4 || c !== 3)
    throw new Error(`the ${what} has ${c} channel${c === 1 ? '' : 's'}; the model needs RGB (3 channels)`);
  if (h !== r.height || w !== r.width)
    throw new Error(`the ${what} is ${w}×${h} but "${model.name}" works at ${r.width}×${r.height}: put a Resize/Crop before this node`);
  const src = batch.tensor.data as Float32Array;
  const data = new Float32Array(src.length);
  for (let i = 0; i < src.length; i++) data[i] = src[i] * 2 - 1;
  return { data, n };
}

/** The model's images ([n, 3, R, R] in [−1, 1]) as an image port value. */
export function fromModelImages(data: Float32Array, n: number, model: PackModel): ImageBatch {
  const { width, height } = model.resolution;
  const out = new Float32Array(data.length);
  for (let i = 0; i < data.length; i++) out[i] = Math.min(1, Math.max(0, (data[i] + 1) / 2));
  return { kind: 'image', tensor: f32([n, 3, height, width], out) };
}

/** A latent port value in the model's scaled latent space ('latent') or start-noise space ('noise'). */
export function latentValue(data: Float32Array, n: number, model: PackModel, space: 'latent' | 'noise'): Latent {
  return { kind: 'latent', space, tensor: f32([n, ...model.latentShape], data) };
}

/** Checks a latent fits the model; returns its values and batch size. */
export function fromLatent(l: Latent, model: PackModel, spaces: readonly string[]): { data: Float32Array; n: number } {
  if (!spaces.includes(l.space)) throw new Error(`this input takes a latent in ${spaces.join(' or ')} space, got one in "${l.space}" space`);
  const [c, h, w] = model.latentShape;
  const s = l.tensor.shape;
  if (s.length !== 4 || s[1] !== c || s[2] !== h || s[3] !== w)
    throw new Error(`the latent is [${s}] but "${model.name}" uses [n, ${c}, ${h}, ${w}] latents`);
  return { data: l.tensor.data as Float32Array, n: s[0] };
}
