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
    space: z.enum(SPACES).default('text-embedding').meta({ title: 'Inversion space', description: 'Where the concept is stored: a latent (decoder inversion), the start noise, or the word embedding of a new token (Textual Inversion).' }),
    steps: z.number().int().min(1).max(5000).default(300).meta({ title: 'Steps', description: 'Optimization steps; more reconstructs better and takes longer.' }),
    lr: z.number().positive().max(1000).default(5e-3).meta({ title: 'Learning rate', description: 'Size of each Adam step; too large diverges, too small crawls.' }),
    seed: z.number().int().min(0).max(0xffffffff).default(0).meta({ title: 'Seed', description: 'Fixes the random timesteps and noise, so a run can be repeated exactly.' }),
    batch: z.number().int().min(1).max(32).default(4).meta({ title: 'Batch size', description: 'Examples per step.', appliesWhen: { space: ['text-embedding'] } }),
    templates: z.array(z.string().min(1).max(500)).min(1).max(32).default(['S*']).meta({ title: 'Training prompts', description: 'Prompts the placeholder is learned in, one per line; each must contain it.', appliesWhen: { space: ['text-embedding'] } }),
    token: z.string().regex(/^S\d*\*$/).default('S*').meta({ title: 'Placeholder word', description: 'The new word being learned (S*, S2*, …).', appliesWhen: { space: ['text-embedding'] } }),
    ddimSteps: z.number().int().min(1).max(50).default(4).meta({ title: 'DDIM steps', description: 'Steps of the noise-to-image round trip; use the same in the Sampler, with guidance 1.', appliesWhen: { space: ['noise'] } }),
    patience: z.number().int().min(0).max(5000).default(0).meta({ title: 'Early stop after', description: 'Stop when the loss has not improved for this many steps (0 = never).' }),
    previewEvery: z.number().int().min(0).max(5000).default(50).meta({ title: 'Preview every', description: 'Show the current result every this many steps (0 = never).' }),
  }),
  flags: { expensive: true },
});
