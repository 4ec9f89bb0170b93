// Decoder: the autoencoder's decoder, latent → image. Takes latents in the denoiser's (scaled)
// space, as samplers and encoders output them.
import { z } from 'zod';
import { defineNode, port } from '../runtime/index.ts';
import { fromLatent, fromModelImages } from './personalize/images.ts';
import { loadModel } from './personalize/model-cache.ts';

export default defineNode({
  type: 'decoder',
  version: 1,
  title: 'Decoder',
  category: 'model',
  description: 'Decode latents into images with the pack’s autoencoder.',
  framework: { family: 'diffusion', space: 'latent' },
  inputs: { model: port.model(), latent: port.latent() },
  outputs: { images: port.image() },
  params: z.object({}),
  async run({ inputs, platform, signal, progress }) {
    const model = await loadModel(inputs.model.pack, platform, signal);
    const { data, n } = fromLatent(inputs.latent, model, ['latent']);
    progress(0, 1);
    const images = fromModelImages(await model.decode(data, n), n, model);
    progress(1, 1);
    return { images };
  },
});
