// Latent Optimizer: optimization-based inversion in a chosen space of the diffusion family —
//  - latent:          decoder inversion (the latent whose decoding matches the image);
//  - noise:           the start noise that K DDIM steps under the prompt turn into the image;
//  - text-embedding:  Textual Inversion (a new word S* for the concept, the denoising loss over
//                      random timesteps and noise; only that word's embedding is trained).
// An initial value wired in (an encoder's latent or a concept embedding) turns it into the hybrid
// method. Live loss curve, previews every N steps, early stop on a plateau, seeds; a diverging run
// stops and keeps its last good value, with a note on the loss curve saying so.
import { z } from 'zod';
import { f32, writeSafetensors } from '../ml/index.ts';
import { invertLatent, invertNoise, slotOf, textualInversion, writeEmbeddingFile } from '../models/personalize/index.ts';
import { defineNode, type Embedding, type Files, type Latent, port } from '../runtime/index.ts';
import { fromLatent, latentValue, toModelImages } from './personalize/images.ts';
import { loadModel, pipelineFor } from './personalize/model-cache.ts';
import { livePreview } from './personalize/loss-plot.ts';
import { latentPreview, previewImage } from './personalize/sample-preview.ts';

const SPACES = ['latent', 'noise', 'text-embedding'] as const;

export default defineNode({
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
  async run({ inputs, params, platform, signal, progress, preview }) {
    // Decoder inversion needs only the autoencoder: load the denoiser's pipeline when a space needs it.
    const model = await loadModel(inputs.model.pack, platform, signal);
    const targets = toModelImages(inputs.images, model, 'images');
    const losses: number[] = [];
    const live = livePreview(preview);
    const loop = {
      steps: params.steps,
      lr: params.lr,
      seed: params.seed,
      patience: params.patience,
      previewEvery: params.previewEvery,
      signal,
      onStep: (k: number, loss: number) => {
        losses.push(loss);
        live.loss(losses);
        progress(k, params.steps);
      },
    };
    const D = model.has('textEncoder') ? model.diffusionConfig.text.dim : 0;
    const emptyEmbedding: Embedding = { kind: 'embedding', tensor: f32([0, D]) };
    // The learned value as a file: a word a Model Loader can add as a token, or the latent itself.
    const file = (latent: Latent, embedding: Embedding): Files => {
      const bytes = embedding.tensor.shape[0]
        ? writeEmbeddingFile(embedding.tensor, model.name, params.token)
        : writeSafetensors({ latent: latent.tensor }, { space: latent.space, pack: model.name });
      return { kind: 'files', files: [{ name: `${params.space}.safetensors`, mime: 'application/octet-stream', bytes }] };
    };
    const finish = (latent: Latent, embedding: Embedding, r: { losses: number[]; note?: string }) => ({
      latent,
      embedding,
      loss: { kind: 'series' as const, values: r.losses, ...(r.note ? { note: r.note } : {}) },
      file: file(latent, embedding),
    });

    if (params.space === 'latent') {
      const init = inputs.init ? fromLatent(inputs.init, model, ['latent']).data : undefined;
      const r = await invertLatent(model, { ...loop, targets: targets.data, n: targets.n, init, onPreview: async (_k, z) => live.sample(await latentPreview(model, z)) });
      return finish(latentValue(r.latent, targets.n, model, 'latent'), emptyEmbedding, r);
    }

    const { pipe } = await pipelineFor(inputs.model, platform, signal);
    const latents = await model.encode(targets.data, targets.n);
    if (params.space === 'noise') {
      const init = inputs.init ? fromLatent(inputs.init, model, ['noise']).data : undefined;
      const bindings = Object.fromEntries(Object.entries(inputs.prompt?.embeddings ?? {}).map(([k, t]) => [k, t.data as Float32Array]));
      const context = await model.encodePrompts(Array(targets.n).fill(inputs.prompt?.text ?? ''), bindings, pipe);
      const r = await invertNoise(model, pipe.weights.unet, {
        ...loop,
        targets: latents,
        n: targets.n,
        context,
        ddimSteps: params.ddimSteps,
        init,
      });
      return finish(latentValue(r.noise, targets.n, model, 'noise'), emptyEmbedding, r);
    }

    const slot = slotOf(params.token);
    const init = inputs.initEmbedding?.tensor.data as Float32Array | undefined;
    const r = await textualInversion(model, pipe, {
      ...loop,
      latents,
      n: targets.n,
      templates: params.templates,
      slot,
      init,
      batch: params.batch,
      onPreview: async (_k, v) => live.sample(await previewImage(model, pipe, params.templates[0], { [slot]: v }, params.seed)),
    });
    const tensor = f32([1, r.vector.length], r.vector);
    return finish({ kind: 'latent', space: 'text-embedding', tensor }, { kind: 'embedding', tensor, token: params.token }, r);
  },
});
