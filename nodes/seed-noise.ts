// Seeded noise: deterministic for a given seed, so it caches like any other node. Generation
// goes row by row so a huge request can be cancelled and reports progress.
import { z } from 'zod';
import { declareNode, port, withinBudget } from '../runtime/index.ts';

export default declareNode({
  type: 'seed-noise',
  version: 1,
  title: 'Seed / Noise',
  category: 'latent',
  description: 'Gaussian start noise for a sampler (latent) and uniform noise as an image, both from one seed.',
  framework: { space: 'noise' },
  inputs: {},
  outputs: { latent: port.latent(), image: port.image() },
  params: z.object({
    seed: z.number().int().min(0).max(0xffffffff).default(0).meta({ title: 'Seed', description: 'The same seed always gives the same noise.' }),
    batch: z.number().int().min(1).max(64).default(1).meta({ title: 'Batch size', description: 'How many noises, each from the next seed.' }),
    channels: z.number().int().min(1).max(16).default(4).meta({ title: 'Channels', description: 'Channels of the latent noise (the built-in model’s latent has 4).' }),
    width: z.number().int().min(1).max(4096).default(64).meta({ title: 'Width', description: 'Pixels (or latent cells) across.' }),
    height: z.number().int().min(1).max(4096).default(64).meta({ title: 'Height', description: 'Pixels (or latent cells) down.' }),
  }).superRefine(
    withinBudget({
      // float32 latent (channels) plus float32 RGB image, per pixel of every batch item.
      bytes: (p) => p.batch * (p.channels + 3) * p.width * p.height * 4,
      field: 'batch',
      explain: (p) => `${p.batch} × (${p.channels} + 3 channels) × ${p.width} × ${p.height} float32 values`,
    }),
  ),
});
