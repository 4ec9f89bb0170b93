// Sampler: text → latents with the pack's denoiser. DDPM, DDIM (η), Euler ancestral and
// DPM-Solver++(2M); classifier-free guidance against a negative prompt (empty when none is wired);
// from seeded noise, from a start noise wired in (e.g. DDIM inversion: regenerate or edit), or from a
// clean latent noised to `strength` (img2img). A wired LoRA is folded into the denoiser first.
// Every few steps the current estimate x̂₀ is decoded and shown. A GAN samples w codes instead:
// the prompt picks the sub-category nearest to it, truncated towards the mean w by ψ. An
// autoregressive pack draws token grids (temperature 1, no top-k or top-p: the AR Sampler node has
// those), guided by the prompt, with a wired LoRA or prefix adapter; previews reveal the grid.
import { z } from 'zod';
import { samplerConfigSchema } from '../models/diffusion/samplers.ts';
import { declareNode, port } from '../runtime/index.ts';

export default declareNode({
  type: 'sampler',
  version: 1,
  title: 'Sampler',
  category: 'generation',
  description:
    'Generate latents from a prompt: DDPM, DDIM, Euler ancestral or DPM-Solver++ 2M, with guidance against a negative prompt; from noise, from an inverted noise (editing) or from a latent (img2img). A GAN draws w codes; an autoregressive pack draws token grids.',
  // From noise it generates; from a latent wired in (an inverted image) it edits.
  framework: { family: 'any', scheme: 'generation / editing', wiredMeans: { latent: 'editing' } },
  inputs: {
    model: port.model(),
    prompt: port.prompt(),
    negative: port.prompt().optional(),
    latent: port.latent().optional(),
    lora: port.lora().optional(),
  },
  outputs: { latent: port.latent() },
  params: samplerConfigSchema.extend({
    // The sampler's own settings, labelled for the form (their rules stay in models/diffusion).
    sampler: samplerConfigSchema.shape.sampler.meta({ title: 'Sampler', description: 'The solver: DPM-Solver++ 2M and DDIM are fast and deterministic; DDPM and Euler ancestral add noise at each step.' }),
    steps: samplerConfigSchema.shape.steps.meta({ title: 'Steps', description: 'Denoising steps; more is slower and a little finer.' }),
    eta: samplerConfigSchema.shape.eta.meta({ title: 'DDIM η', description: 'DDIM’s randomness: 0 is the deterministic path (needed to regenerate an inverted noise), 1 matches DDPM.', appliesWhen: { sampler: ['ddim'] } }),
    spacing: samplerConfigSchema.shape.spacing.meta({ title: 'Timestep spacing', description: 'Which timesteps a short schedule visits; trailing starts at pure noise.' }),
    strength: samplerConfigSchema.shape.strength.meta({ title: 'Strength', description: 'How far the wired latent is pushed back into noise before denoising (1 = all the way).', appliesWhen: { 'input:latent': 'wired' } }),
    guidance: z.number().min(0).max(30).default(4).meta({ title: 'Guidance', description: 'How strongly the picture follows the prompt rather than the negative prompt (1 = no guidance).' }),
    seed: z.number().int().min(0).max(0xffffffff).default(0).meta({ title: 'Seed', description: 'Fixes the start noise, so the same settings give the same pictures.' }),
    batch: z.number().int().min(1).max(64).default(1).meta({ title: 'Batch size', description: 'How many pictures, each from its own noise.' }),
    loraScale: z.number().min(-4).max(4).default(1).meta({ title: 'LoRA scale', description: 'How much of the wired LoRA to apply (0 = none).', appliesWhen: { 'input:lora': 'wired' } }),
    psi: z.number().min(0).max(2).default(1).meta({ title: 'Truncation ψ (GAN)', description: 'GAN packs: pulls each w towards the mean by ψ: 1 keeps the full variety, lower values are more typical and cleaner.' }),
    previewEvery: z.number().int().min(0).max(1000).default(5).meta({ title: 'Preview every', description: 'Decode and show the current estimate every this many steps (0 = never).' }),
  }),
});
