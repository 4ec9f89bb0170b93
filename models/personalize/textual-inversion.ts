// Textual Inversion (Gal et al. 2022): the concept becomes ONE new word. Its embedding v is the
// only trained value; the text encoder and the UNet stay frozen. Each step takes a reference
// latent, a prompt template containing the placeholder, a random timestep and noise, and lowers the
// denoising loss ‖ε̂(x_t, t, text(template with v)) − ε‖². An initial v may come from a word of
// the vocabulary or from a concept encoder (the hybrid method, E4T-like).
import { Adam, f32, type Tensor, Trainer } from '../../ml/index.ts';
import type { TextToImage } from '../diffusion/pipeline.ts';
import { denoisingBatch } from './denoising-batch.ts';
import { textualInversionGraph } from './inversion-graphs.ts';
import type { PackModel } from './model.ts';
import { type LoopOptions, type LoopResult, optimize } from './optimize.ts';
import { encodeWithPlaceholders, writtenOf } from './placeholders.ts';

export interface TextualInversionOptions extends Pick<LoopOptions, 'patience' | 'onStep' | 'signal' | 'previewEvery' | 'explode'> {
  /** Scaled latents of the concept's images, [n, C, S, S] flat. */
  latents: Float32Array;
  n: number;
  /** Prompt templates, each using the placeholder (e.g. 'S*', 'S*, twemoji style'). */
  templates: readonly string[];
  /** The slot being learned ('<s1>'). */
  slot: string;
  /** Starting vector [D]; default: the slot's own (untrained) row. */
  init?: Float32Array;
  steps: number;
  lr: number;
  batch: number;
  seed: number;
  onPreview?: (step: number, vector: Float32Array) => Promise<void> | void;
  /** Timestep weighting, min-SNR-γ (0: the plain ε-MSE); default DEFAULT_MIN_SNR_GAMMA. */
  minSnrGamma?: number;
}

export async function textualInversion(model: PackModel, pipe: TextToImage, o: TextualInversionOptions): Promise<LoopResult & { vector: Float32Array }> {
  const config = model.diffusionConfig;
  const { maxLength: L, dim: D } = config.text;
  const rows = o.templates.map((t) => {
    const at = encodeWithPlaceholders(model.tokenizer, t);
    const pos = at.positions.get(o.slot);
    if (!pos) throw new Error(`the template "${t}" does not use ${writtenOf(o.slot)}`);
    const embeds = pipe.embedTokens([at.ids]);
    const mask = new Float32Array(L);
    for (const p of pos) {
      embeds.fill(0, p * D, (p + 1) * D);
      mask[p] = 1;
    }
    return { embeds, mask };
  });
  const init = o.init ?? pipe.embedTokens([[model.tokenizer.id(o.slot)]]);
  if (init.length !== D) throw new Error(`the initial embedding has ${init.length} values; this model's words have ${D}`);
  const { graph, weights } = textualInversionGraph(config, o.batch);
  const all = { ...model.weights('textEncoder'), ...pipe.weights.unet };
  const params: Record<string, Tensor> = { vector: f32([1, D], init.slice()), ...Object.fromEntries(weights.map((k) => [k, all[k]])) };
  const trainer = await Trainer.create({ graph, loss: 'loss', trainable: ['vector'], params, optimizer: new Adam({ lr: o.lr }), backend: model.backend, session: model.sessionOptions });
  const examples = { latents: o.latents, count: o.n, shape: model.latentShape, minSnrGamma: o.minSnrGamma };
  const batch = (step: number) => {
    const { feeds, rng } = denoisingBatch(examples, model.schedule, o.batch, o.seed, step, (_k, r) => r.int(o.n));
    const embeds = new Float32Array(o.batch * L * D);
    const mask = new Float32Array(o.batch * L);
    for (let k = 0; k < o.batch; k++) {
      const row = rows[rng.int(rows.length)];
      embeds.set(row.embeds, k * L * D);
      mask.set(row.mask, k * L);
    }
    return { ...feeds, embeds: f32([o.batch, L, D], embeds), mask: f32([o.batch, L, 1], mask) };
  };
  try {
    const r = await optimize({ ...o, trainer, batch, onPreview: o.onPreview && ((k, v) => o.onPreview!(k, v.vector.data as Float32Array)) });
    return { ...r, vector: r.values.vector.data as Float32Array };
  } finally {
    await trainer.release();
  }
}
