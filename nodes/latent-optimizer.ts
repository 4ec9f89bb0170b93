// Latent Optimizer: optimization-based inversion in a chosen space of the diffusion family —
//  - latent:          decoder inversion (the latent whose decoding matches the image);
//  - noise:           the start noise that K DDIM steps under the prompt turn into the image;
//  - text-embedding:  Textual Inversion (a new word S* for the concept, the denoising loss over
//                      random timesteps and noise; only that word's embedding is trained).
// An initial value wired in (an encoder's latent or a concept embedding) turns it into the hybrid
// method. Live loss curve, previews every N steps, early stop on a plateau, seeds; a diverging run
// stops and keeps its last good value, with a note on the loss curve saying so.
import { z } from 'zod';
import { declareNode, port } from '../runtime/index.ts';

const SPACES = ['latent', 'noise', 'text-embedding'] as const;

export default declareNode({
  type: 'latent-optimizer',
  version: 1,
  title: 'Latent Optimizer',
  category: 'inversion',
  description:
    'Optimization-based inversion: find the latent (decoder inversion), the start noise, or the word embedding of a new token S* (Textual Inversion) that reproduces the images. Wire an initial value for the hybrid method.',
  framework: { family: 'diffusion', space: 'latent / noise / text-embedding', method: 'optimization' },
  inputs: {
    model: port.model(),
    images: port.image(),
    prompt: port.prompt().optional(),
    init: port.latent().optional(),
    initEmbedding: port.embedding().optional(),
  },
  outputs: { latent: port.latent(), embedding: port.embedding(), loss: port.series(), file: port.files() },
  params: z.object({
    space: z.enum(SPACES).default('text-embedding'),
    steps: z.number().int().min(1).max(5000).default(300),
    lr: z.number().positive().max(1000).default(5e-3),
    seed: z.number().int().min(0).max(0xffffffff).default(0),
    /** Text embedding: examples per step. */
    batch: z.number().int().min(1).max(32).default(4),
    /** Text embedding: prompts the placeholder is learned in (each must contain it). */
    templates: z.array(z.string().min(1).max(500)).min(1).max(32).default(['S*']),
    /** Text embedding: the placeholder being learned. */
    token: z.string().regex(/^S\d*\*$/).default('S*'),
    /** Noise: DDIM steps of the round trip (use the same in the Sampler, with guidance 1). */
    ddimSteps: z.number().int().min(1).max(50).default(4),
    /** Stop when the loss has not improved for this many steps (0 = never). */
    patience: z.number().int().min(0).max(5000).default(0),
    previewEvery: z.number().int().min(0).max(5000).default(50),
  }),
  flags: { expensive: true },
});
