// Encoder Inversion, the training-free and learned-encoder ways into a diffusion model's spaces:
//  - autoencoder: image → latent through the VAE encoder (one pass; the "encoder" of decoder
//    inversion, which a Latent Optimizer may refine: the hybrid);
//  - ddim: latent (or image, encoded first) → start noise by running the deterministic DDIM ODE
//    backwards under a prompt (Song et al.; the basis of inversion-based editing). Sampling that
//    noise with DDIM, the same steps and prompt returns the image; another prompt edits it.
import { z } from 'zod';
import { guided } from '../models/diffusion/guidance.ts';
import { ddimInvert } from '../models/diffusion/inversion.ts';
import { defineNode, port } from '../runtime/index.ts';
import { conditioning } from './personalize/conditioning.ts';
import { fromLatent, latentValue, toModelImages } from './personalize/images.ts';
import { loadModel, pipelineFor, tokensFor } from './personalize/model-cache.ts';

export default defineNode({
  type: 'encoder-inversion',
  version: 1,
  title: 'Encoder Inversion',
  category: 'inversion',
  description:
    'Invert without optimizing: the autoencoder’s encoder (image → latent), or DDIM inversion (latent or image → the start noise that regenerates it under a prompt).',
  framework: { family: 'diffusion', space: 'latent / noise', method: 'learned encoder / training-free' },
  inputs: { model: port.model(), images: port.image().optional(), latent: port.latent().optional(), prompt: port.prompt().optional() },
  outputs: { latent: port.latent() },
  params: z.object({
    mode: z.enum(['autoencoder', 'ddim']).default('autoencoder'),
    /** DDIM inversion steps (use the same count in the Sampler that regenerates). */
    steps: z.number().int().min(1).max(1000).default(25),
    /** Guidance during inversion; 1 (none) inverts most faithfully. */
    guidance: z.number().min(0).max(30).default(1),
  }),
  async run({ inputs, params, platform, signal, progress }) {
    const model = await loadModel(inputs.model.pack, platform, signal);
    let x0: Float32Array;
    let n: number;
    if (inputs.latent && params.mode === 'ddim') ({ data: x0, n } = fromLatent(inputs.latent, model, ['latent']));
    else {
      if (!inputs.images) throw new Error(params.mode === 'ddim' ? 'wire images or a latent to invert' : 'wire the images to encode');
      const img = toModelImages(inputs.images, model);
      n = img.n;
      x0 = await model.encode(img.data, n);
    }
    if (params.mode === 'autoencoder') return { latent: latentValue(x0, n, model, 'latent') };
    const { pipe, tokens } = await pipelineFor(inputs.model, platform, signal);
    const added = await tokensFor(inputs.model, model, platform, signal);
    const { cond, uncond } = await conditioning(model, pipe, n, inputs.prompt, undefined, tokens, added);
    const eps = guided(pipe.predictEps, { cond, uncond, scale: params.guidance });
    const noise = await ddimInvert(eps, x0, { schedule: model.schedule, steps: params.steps, signal, onStep: (d, t) => progress(d, t) });
    return { latent: latentValue(noise, n, model, 'noise') };
  },
});
