// Sampler: text → latents with the pack's denoiser. DDPM, DDIM (η), Euler ancestral and
// DPM-Solver++(2M); classifier-free guidance against a negative prompt (empty when none is wired);
// from seeded noise, from a start noise wired in (e.g. DDIM inversion: regenerate or edit), or from a
// clean latent noised to `strength` (img2img). A wired LoRA is folded into the denoiser first.
// Every few steps the current estimate x̂₀ is decoded and shown.
import { z } from 'zod';
import { Rng } from '../ml/index.ts';
import { guided } from '../models/diffusion/guidance.ts';
import { predictX0, sample, samplerConfigSchema } from '../models/diffusion/samplers.ts';
import { alphaBar } from '../models/diffusion/schedule.ts';
import { defineNode, port } from '../runtime/index.ts';
import { tensorToRgba } from './image/ops.ts';
import { conditioning } from './personalize/conditioning.ts';
import { fromLatent, fromModelImages, latentValue } from './personalize/images.ts';
import { pipelineFor, tokensFor } from './personalize/model-cache.ts';

export default defineNode({
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
  async run({ inputs, params, platform, signal, progress, preview }) {
    const { model, pipe, tokens } = await pipelineFor(inputs.model, platform, signal, inputs.lora, params.loraScale);
    const schedule = model.schedule;
    let n = params.batch;
    let start: { noise?: Float32Array; init?: Float32Array } = {};
    if (inputs.latent) {
      const l = fromLatent(inputs.latent, model, ['noise', 'latent']);
      n = l.n;
      start = inputs.latent.space === 'noise' ? { noise: l.data } : { init: l.data };
    }
    const added = await tokensFor(inputs.model, model, platform, signal);
    const { cond, uncond } = await conditioning(model, pipe, n, inputs.prompt, inputs.negative, tokens, added);
    const guidedEps = guided(pipe.predictEps, { cond, uncond, scale: params.guidance });
    // The last model call, so a preview can show that step's clean estimate x̂₀ rather than noise.
    let last: { x: Float32Array; eps: Float32Array; t: number } | null = null;
    const eps = async (x: Float32Array, t: number) => {
      const e = await guidedEps(x, t);
      last = { x, eps: e, t };
      return e;
    };
    let shown = Promise.resolve();
    const out = await sample(eps, n * model.latentSize, {
      ...params,
      ...start,
      schedule,
      rng: new Rng(params.seed),
      signal,
      onStep: (done, total) => {
        progress(done, total);
        const step = last;
        if (params.previewEvery && done % params.previewEvery === 0 && done < total && step && model.has('vae')) {
          const k = model.latentSize;
          shown = shown.then(async () => {
            const x0 = predictX0(step.x.subarray(0, k), step.eps.subarray(0, k), alphaBar(schedule, step.t));
            preview(tensorToRgba(fromModelImages(await model.decode(x0, 1), 1, model).tensor));
          });
        }
      },
    });
    await shown.catch(() => {});
    return { latent: latentValue(out, n, model, 'latent') };
  },
});
