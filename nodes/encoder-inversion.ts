// Encoder Inversion, the training-free and learned-encoder ways into a model's spaces:
//  - encoder: a GAN pack's trained image → W+ encoder (pSp / e4e), refined in k passes that each
//    see the image and the current reconstruction (ReStyle);
//  - autoencoder: image → latent through the VAE encoder (one pass; the "encoder" of decoder
//    inversion, which a Latent Optimizer may refine: the hybrid);
//  - ddim: latent (or image, encoded first) → start noise by running the deterministic DDIM ODE
//    backwards under a prompt (Song et al.; the basis of inversion-based editing). Sampling that
//    noise with DDIM, the same steps and prompt returns the image; another prompt edits it;
//  - tokenizer: an autoregressive pack's image → token grid (VAE encoder, then the tokenizer's
//    encoder and quantizer): one exact pass, the grid the transformer reads and writes.
import { z } from 'zod';
import { declareNode, port } from '../runtime/index.ts';

export default declareNode({
  type: 'encoder-inversion',
  version: 1,
  title: 'Encoder Inversion',
  category: 'inversion',
  description:
    'Invert without optimizing: a diffusion pack’s autoencoder (image → latent) or DDIM inversion (latent or image → the start noise that regenerates it under a prompt); a GAN pack’s encoder (image → W+, refined in k passes); an autoregressive pack’s tokenizer (image → token grid).',
  framework: { family: 'any', space: 'latent / noise / w+ / tokens', method: 'learned encoder / training-free / learned encoder (W+) / tokenizer' },
  inputs: { model: port.model(), images: port.image().optional(), latent: port.latent().optional(), prompt: port.prompt().optional() },
  outputs: { latent: port.latent() },
  params: z.object({
    mode: z.enum(['autoencoder', 'ddim', 'encoder', 'tokenizer']).default('autoencoder').meta({ title: 'Inversion', description: 'autoencoder (diffusion): the encoder maps each image to its latent in one pass. ddim (diffusion): run the sampler backwards to the start noise that regenerates it. encoder (GAN): the trained encoder maps each image to W+. tokenizer (autoregressive): each image becomes its grid of tokens in one exact pass.' }),
    passes: z.number().int().min(1).max(10).default(1).meta({ title: 'Passes (ReStyle)', description: 'Each pass sees the image and the current reconstruction and corrects the code: 1 is pSp/e4e, more refine it.', appliesWhen: { mode: ['encoder'] } }),
    /** DDIM inversion steps (use the same count in the Sampler that regenerates). */
    steps: z.number().int().min(1).max(1000).default(25).meta({ title: 'DDIM steps', description: 'Steps of the backward run; use the same count in the Sampler that regenerates.', appliesWhen: { mode: ['ddim'] } }),
    /** Guidance during inversion; 1 (none) inverts most faithfully. */
    guidance: z.number().min(0).max(30).default(1).meta({ title: 'Guidance', description: 'Prompt guidance during inversion; 1 (none) inverts most faithfully.', appliesWhen: { mode: ['ddim'] } }),
  }),
});
