// A quick look at what an optimization has learned so far: one image of a prompt, a few DDIM steps,
// decoded and handed to the node's preview. Cheap enough to run every N optimization steps.
import { Rng } from '../../ml/index.ts';
import { guided } from '../../models/diffusion/guidance.ts';
import type { TextToImage } from '../../models/diffusion/pipeline.ts';
import { sample } from '../../models/diffusion/samplers.ts';
import type { PackModel } from '../../models/personalize/index.ts';
import type { RgbaImage } from '../../runtime/index.ts';
import { tensorToRgba } from '../image/ops.ts';
import { fromModelImages } from './images.ts';

export async function previewImage(model: PackModel, pipe: TextToImage, text: string, bindings: Record<string, ArrayLike<number>>, seed: number, allowUnbound: readonly string[] = []): Promise<RgbaImage> {
  const cond = await pipe.encodeEmbeddings(model.promptEmbeds([text], bindings, pipe, allowUnbound));
  const uncond = await model.encodePrompts([''], {}, pipe);
  const x = await sample(guided(pipe.predictEps, { cond, uncond, scale: 3 }), model.latentSize, { schedule: model.schedule, sampler: 'ddim', steps: 8, rng: new Rng(seed) });
  return tensorToRgba(fromModelImages(await model.decode(x, 1), 1, model).tensor);
}

/** A decoded latent as a preview picture. */
export async function latentPreview(model: PackModel, latent: Float32Array): Promise<RgbaImage> {
  return tensorToRgba(fromModelImages(await model.decode(latent.subarray(0, model.latentSize), 1), 1, model).tensor);
}
