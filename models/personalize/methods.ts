// The personalization methods the benchmark compares, each as "images of a concept → a way to
// prompt for it", over one PackModel. They call the same functions the nodes call, so the numbers
// describe what the graphs do. Generation afterwards is shared (generateImages).
import { Rng, type Tensor } from '../../ml/index.ts';
import { guided } from '../diffusion/guidance.ts';
import { TextToImage } from '../diffusion/pipeline.ts';
import { sample } from '../diffusion/samplers.ts';
import { loraMetaFor, mergeLoras, parseLoraMeta } from './lora-file.ts';
import { trainLora } from './lora-training.ts';
import type { PackModel } from './model.ts';
import { textualInversion } from './textual-inversion.ts';

/** How to prompt for the concept after personalization: a pipeline, bound embeddings, slots left unbound. */
export interface Personalized {
  pipe: TextToImage;
  bindings: Record<string, Float32Array>;
  unbound: string[];
  release(): Promise<void>;
}

export const METHODS = ['floor', 'textual-inversion', 'lora', 'concept-encoder', 'hybrid'] as const;
export type Method = (typeof METHODS)[number];

export interface MethodSettings {
  tiSteps: number;
  loraSteps: number;
  hybridSteps: number;
  templates: readonly string[];
  seed: number;
}

const SLOT = '<s1>';
/**
 * Learning rates. Textual Inversion at 1e-3 scored CLIP-I 0.40 on 8 held-out concepts against
 * 0.35 at 5e-3 and 0.38 at 5e-4 (min-SNR-5): a larger step drives the word far from the
 * vocabulary. The hybrid's 60 steps refine the encoder's word and keep 5e-3.
 */
export const METHOD_LR = { textualInversion: 1e-3, hybrid: 5e-3, lora: 1e-3 } as const;
const noop = async () => {};

/** Personalizes `model` on a concept's latents (scaled, [n, C, S, S]) with one method. */
export async function personalize(model: PackModel, method: Method, latents: Float32Array, n: number, s: MethodSettings): Promise<Personalized> {
  const pipe = model.pipeline();
  const templates = s.templates.map((t) => t.replaceAll('S*', SLOT));
  switch (method) {
    case 'floor':
      return { pipe, bindings: {}, unbound: [], release: noop };
    case 'textual-inversion': {
      const r = await textualInversion(model, pipe, { latents, n, templates, slot: SLOT, steps: s.tiSteps, lr: METHOD_LR.textualInversion, batch: 4, seed: s.seed });
      return { pipe, bindings: { [SLOT]: r.vector }, unbound: [], release: noop };
    }
    case 'concept-encoder':
      return { pipe, bindings: { [SLOT]: meanRow(await model.conceptEmbeddings(latents, n), n) }, unbound: [], release: noop };
    case 'hybrid': {
      const init = meanRow(await model.conceptEmbeddings(latents, n), n);
      const r = await textualInversion(model, pipe, { latents, n, templates, slot: SLOT, init, steps: s.hybridSteps, lr: METHOD_LR.hybrid, batch: 4, seed: s.seed });
      return { pipe, bindings: { [SLOT]: r.vector }, unbound: [], release: noop };
    }
    case 'lora': {
      const r = await trainLora(model, pipe, { latents, n, templates, rank: 4, alpha: 4, target: 'attention', steps: s.loraSteps, lr: METHOD_LR.lora, batch: 4, seed: s.seed });
      const meta = parseLoraMeta(loraMetaFor(model, 4, 4, SLOT));
      const merged = mergeLoras(pipe.weights.unet, [{ tensors: r.lora as Record<string, Tensor>, meta, scale: 1 }]);
      const p = new TextToImage(model.diffusionConfig, { text: model.weights('textEncoder'), unet: merged }, { backend: model.backend, session: model.sessionOptions });
      return { pipe: p, bindings: {}, unbound: [SLOT], release: () => p.release() };
    }
  }
}

function meanRow(v: Float32Array, n: number): Float32Array {
  const D = v.length / n;
  const out = new Float32Array(D);
  for (let i = 0; i < n; i++) for (let j = 0; j < D; j++) out[j] += v[i * D + j] / n;
  return out;
}

/** Images [k, 3, R, R] in [−1, 1] for one prompt: DPM-Solver++ 2M with guidance against the empty prompt. */
export async function generateImages(model: PackModel, p: Personalized, text: string, k: number, opts: { steps: number; guidance: number; seed: number }): Promise<Float32Array> {
  const cond = await p.pipe.encodeEmbeddings(model.promptEmbeds(Array(k).fill(text), p.bindings, p.pipe, p.unbound));
  const uncond = await model.encodePrompts(Array(k).fill(''), {}, p.pipe);
  const z = await sample(guided(p.pipe.predictEps, { cond, uncond, scale: opts.guidance }), k * model.latentSize, { schedule: model.schedule, sampler: 'dpm++2m', steps: opts.steps, rng: new Rng(opts.seed) });
  return model.decode(z, k);
}
