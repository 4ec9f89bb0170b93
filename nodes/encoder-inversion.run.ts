// Run code of the Encoder Inversion node, declared in ./encoder-inversion.ts (the editor loads the declaration alone).
import { guided } from '../models/diffusion/guidance.ts';
import { ddimInvert } from '../models/diffusion/inversion.ts';
import { implementNode } from '../runtime/index.ts';
import { conditioning } from './personalize/conditioning.ts';
import { fromLatent, latentValue, toModelImages } from './personalize/images.ts';
import { loadModel, pipelineFor, tokensFor } from './personalize/model-cache.ts';
import spec from './encoder-inversion.ts';

export default implementNode(spec, async ({ inputs, params, platform, signal, progress }) => {
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
});
