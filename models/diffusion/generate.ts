// Text to latents: encode the prompts and the negative (by default empty) prompts, wrap the UNet
// in classifier-free guidance and run a sampler. Returns latents in the denoiser's (scaled) space;
// divide by the pack's scaling factor before the VAE decodes them.
import { Rng } from '../../ml/index.ts';
import { guided } from './guidance.ts';
import type { TextToImage } from './pipeline.ts';
import { sample, type SampleOptions } from './samplers.ts';
import type { NoiseSchedule } from './schedule.ts';

export interface GenerateOptions extends Omit<SampleOptions, 'rng' | 'schedule'> {
  schedule: NoiseSchedule;
  /** Token ids of each prompt. */
  ids: readonly (readonly number[])[];
  /** Token ids of the negative prompt of each image, or one row for all (the empty prompt for plain CFG). */
  negativeIds: readonly (readonly number[])[];
  /** Guidance scale (1 = none). */
  guidance: number;
  seed: number;
}

export async function generateLatents(pipe: TextToImage, o: GenerateOptions): Promise<Float32Array> {
  const n = o.ids.length;
  const negative = o.negativeIds.length === 1 ? Array.from({ length: n }, () => o.negativeIds[0]) : o.negativeIds;
  if (negative.length !== n) throw new Error(`generate: ${n} prompts but ${negative.length} negative prompts`);
  const cond = await pipe.encodeIds(o.ids);
  const uncond = o.guidance === 1 ? cond : await pipe.encodeIds(negative);
  const u = pipe.config.unet;
  const size = n * u.latentChannels * u.latentSize * u.latentSize;
  return sample(guided(pipe.predictEps, { cond, uncond, scale: o.guidance }), size, { ...o, rng: new Rng(o.seed) });
}
