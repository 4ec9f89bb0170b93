// Decoder: a model's code → image. A diffusion pack's autoencoder decodes latents in the
// denoiser's (scaled) space; a GAN's synthesis network renders any of its spaces (z, w, w+, s, f);
// an autoregressive pack's tokenizer decoder and VAE turn a token grid into images (no adapter
// applies there: LoRA and prefix adapters change how grids are drawn, not how they look);
// an imported ONNX model runs on its input.
import { z } from 'zod';
import { declareNode, port } from '../runtime/index.ts';

export default declareNode({
  type: 'decoder',
  version: 1,
  title: 'Decoder',
  category: 'model',
  description: 'Turn codes into images: a diffusion pack’s autoencoder decodes latents; a GAN renders a code of any of its spaces (with truncation ψ for z and w); an autoregressive pack decodes a token grid; an imported model runs on its input.',
  framework: { family: 'any', space: 'latent' },
  // A GAN renders through a tuned generator when a LoRA (pivotal tuning) is wired.
  inputs: { model: port.model(), latent: port.latent(), lora: port.lora().optional() },
  outputs: { images: port.image() },
  params: z.object({
    psi: z.number().min(0).max(2).default(1).meta({ title: 'Truncation ψ (GAN)', description: 'GAN packs: pulls z and w codes towards the mean w by ψ before rendering (1 = as they are).' }),
    noiseSeed: z.number().int().min(0).max(0xffffffff).default(0).meta({ title: 'Noise seed (GAN)', description: 'GAN packs: the per-layer noise maps’ seed; the same seed renders the same code identically.' }),
  }),
});
