// AR Sampler: an autoregressive pack's transformer draws a token grid one token at a time, in
// raster order, each token from the distribution the model predicts given the caption and every
// token before it (next-token prediction); the tokenizer's decoder and the VAE turn the grid into
// an image. The logits are shaped by temperature, top-k and top-p, and guided against a negative
// prompt (classifier-free guidance on logits). With a grid wired in, the masked positions are
// drawn again and the others kept (masked regeneration: editing in token space). The step-by-step
// reveal shows the grid as it grows, so a learner sees the picture being written token by token.
import { z } from 'zod';
import { declareNode, port } from '../runtime/index.ts';

/** Largest grid a mask may address (a 64×64 grid); a pack's own grid is checked when it runs. */
export const MAX_GRID_TOKENS = 4096;

export default declareNode({
  type: 'ar-sampler',
  version: 1,
  title: 'AR Sampler',
  category: 'generation',
  description:
    'Draw images token by token from an autoregressive pack: temperature, top-k and top-p shape each draw, guidance pulls towards the prompt. Wire a token grid and mask some of its tokens to regenerate only those. A wired LoRA or prefix adapter personalizes the model.',
  // From the prompt alone it generates; from a wired grid it regenerates the masked tokens (edits).
  framework: { family: 'autoregressive', space: 'tokens', scheme: 'generation / editing', wiredMeans: { tokens: 'editing' } },
  inputs: {
    model: port.model(),
    prompt: port.prompt(),
    negative: port.prompt().optional(),
    tokens: port.latent().optional(),
    lora: port.lora().optional(),
  },
  outputs: { tokens: port.latent(), images: port.image() },
  params: z.object({
    temperature: z.number().min(0).max(5).default(1).meta({ title: 'Temperature', description: 'Divides the logits before each draw: below 1 favours likely tokens (cleaner, less varied), above 1 flattens the distribution; 0 always takes the most likely token.' }),
    topK: z.number().int().min(0).max(65_536).default(0).meta({ title: 'Top-k', description: 'Draw only among the k most likely tokens (0 = all of them).' }),
    topP: z.number().gt(0).max(1).default(1).meta({ title: 'Top-p', description: 'Draw only among the fewest most likely tokens whose probabilities add up to p (1 = all of them).' }),
    guidance: z.number().min(0).max(30).default(3).meta({ title: 'Guidance', description: 'Classifier-free guidance on the logits: how strongly each token follows the prompt rather than the negative prompt (1 = no guidance).' }),
    seed: z.number().int().min(0).max(0xffffffff).default(0).meta({ title: 'Seed', description: 'Fixes every draw: image i uses seed + i, so the same settings give the same grids.' }),
    batch: z.number().int().min(1).max(64).default(1).meta({ title: 'Batch size', description: 'How many images, each from its own seed. A wired grid sets the count instead.' }),
    cache: z.boolean().default(true).meta({ title: 'KV cache', description: 'Keep each layer’s keys and values so a new token costs one position’s work; off re-runs the whole sequence for every token (same result, slower: what the cache saves).' }),
    masked: z
      .array(z.number().int().min(0).max(MAX_GRID_TOKENS - 1))
      .max(MAX_GRID_TOKENS)
      .default([])
      .meta({
        title: 'Masked tokens',
        description: 'Positions of the wired grid to draw again (row × side + column, raster order); every other token is kept. Click tokens of the grid to mask them.',
        appliesWhen: { 'input:tokens': 'wired' },
        tokenMask: { input: 'tokens' },
      }),
    revealEvery: z.number().int().min(0).max(MAX_GRID_TOKENS).default(8).meta({ title: 'Reveal every', description: 'Show the first image as it is written, every this many tokens: the grid so far, decoded, tokens not drawn yet in grey (0 = no reveal).' }),
    loraScale: z.number().min(-4).max(4).default(1).meta({ title: 'LoRA scale', description: 'How much of the wired LoRA to apply (0 = none); a prefix adapter is applied whole.', appliesWhen: { 'input:lora': 'wired' } }),
  }),
});
