// Sampler: text → latents with the pack's denoiser. DDPM, DDIM (η), Euler ancestral and
// DPM-Solver++(2M); classifier-free guidance against a negative prompt (empty when none is wired);
// from seeded noise, from a start noise wired in (e.g. DDIM inversion: regenerate or edit), or from a
// clean latent noised to `strength` (img2img). A wired LoRA is folded into the denoiser first.
// Every few steps the current estimate x̂₀ is decoded and shown.
import { z } from 'zod';
import { samplerConfigSchema } from '../models/diffusion/samplers.ts';
import { declareNode, port } from '../runtime/index.ts';

export default declareNode({
  type: 'sampler',
  version: 1,
  title: 'Sampler',
  category: 'generation',
  description:
    'Generate latents from a prompt: DDPM, DDIM, Euler ancestral or DPM-Solver++ 2M, with guidance against a negative prompt; from noise, from an inverted noise (editing) or from a latent (img2img).',
  framework: { family: 'diffusion', scheme: 'generation / editing' },
  inputs: {
    model: port.model(),
    prompt: port.prompt(),
    negative: port.prompt().optional(),
    latent: port.latent().optional(),
    lora: port.lora().optional(),
  },
  outputs: { latent: port.latent() },
  params: samplerConfigSchema.extend({
    guidance: z.number().min(0).max(30).default(4),
    seed: z.number().int().min(0).max(0xffffffff).default(0),
    batch: z.number().int().min(1).max(64).default(1),
    loraScale: z.number().min(-4).max(4).default(1),
    /** Decode and show x̂₀ every this many steps (0 = never). */
    previewEvery: z.number().int().min(0).max(1000).default(5),
  }),
});
