// Decoder: the autoencoder's decoder, latent → image. Takes latents in the denoiser's (scaled)
// space, as samplers and encoders output them.
import { z } from 'zod';
import { declareNode, port } from '../runtime/index.ts';

export default declareNode({
  type: 'decoder',
  version: 1,
  title: 'Decoder',
  category: 'model',
  description: 'Decode latents into images with the pack’s autoencoder.',
  framework: { family: 'diffusion', space: 'latent' },
  inputs: { model: port.model(), latent: port.latent() },
  outputs: { images: port.image() },
  params: z.object({}),
});
