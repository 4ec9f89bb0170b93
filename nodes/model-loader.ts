// Model Loader: names a model pack (the built-in one, a folder or URL of the user's, or dropped
// files) and the LoRA files to apply, checks that everything loads, and outputs a REFERENCE. The
// weights stay in this worker's cache; every other worker loads them itself from the same reference.
import { z } from 'zod';
import { declareNode, port } from '../runtime/index.ts';

export const BUILT_IN_PACK = 'models/emoji-diffusion';
/** The built-in GAN pack (StyleGAN2-like, emoji sub-categories). */
export const BUILT_IN_GAN_PACK = 'models/emoji-gan';
/** The built-in autoregressive pack (an FSQ tokenizer over the diffusion pack's latent, a raster-order transformer). */
export const BUILT_IN_AR_PACK = 'models/emoji-ar';

export default declareNode({
  type: 'model-loader',
  version: 1,
  title: 'Model Loader',
  category: 'model',
  description:
    'A model pack: the built-in emoji diffusion model (models/emoji-diffusion), emoji GAN (models/emoji-gan) or emoji autoregressive model (models/emoji-ar), or your own (a folder path or URL holding manifest.json and its weights, or dropped files). LoRA files listed here are applied to the model (a diffusion pack’s denoiser, a GAN’s generator, an autoregressive pack’s transformer, which also takes prefix-tuning files), and embedding files become added tokens (S*, S2*, …) of a diffusion or autoregressive pack.',
  // A pack's family is in its manifest; the built-in ones are known by name, so a graph's family
  // shows before anything runs.
  framework: { familyFrom: { param: 'pack', values: { [BUILT_IN_PACK]: 'diffusion', [BUILT_IN_GAN_PACK]: 'gan', [BUILT_IN_AR_PACK]: 'autoregressive' } } },
  inputs: {},
  outputs: { model: port.model() },
  params: z.object({
    pack: z.string().min(1).max(4096).default(BUILT_IN_PACK).meta({ title: 'Model pack', description: 'A folder path or URL holding manifest.json and its weights: models/emoji-diffusion (the default), models/emoji-gan or models/emoji-ar, built in, or your own.' }),
    files: z.record(z.string().regex(/^[A-Za-z0-9._-]+$/), z.string().min(1).max(1_000_000)).optional().meta({ title: 'Dropped files', description: 'A pack’s files by name (blob: URL or path); when set, Model pack is ignored.' }),
    loras: z.array(z.object({ source: z.string().min(1).max(1_000_000), scale: z.number().min(-4).max(4).default(1) })).max(8).default([]).meta({ title: 'LoRA files', description: 'Adapters applied to the model (the denoiser, a GAN’s generator, an autoregressive transformer: LoRA or prefix files), each with a scale.' }),
    tokens: z.array(z.object({ token: z.string().regex(/^S\d*\*$/), source: z.string().min(1).max(1_000_000) })).max(16).default([]).meta({ title: 'Added words', description: 'Learned embedding files, each bound to a placeholder word in every prompt.' }),
  }),
});
