// Run code of the Latent Optimizer node, declared in ./latent-optimizer.ts (the editor loads the declaration alone).
import { f32, writeSafetensors } from '../ml/index.ts';
import { invertLatent, invertNoise, slotOf, textualInversion, writeEmbeddingFile } from '../models/personalize/index.ts';
import { type Embedding, type Files, implementNode, type Latent } from '../runtime/index.ts';
import { fromLatent, latentValue, toModelImages } from './personalize/images.ts';
import { livePreview } from './personalize/loss-plot.ts';
import { loadModel, pipelineFor } from './personalize/model-cache.ts';
import { latentPreview, previewImage } from './personalize/sample-preview.ts';
import spec from './latent-optimizer.ts';

export default implementNode(spec, async ({ inputs, params, platform, signal, progress, preview }) => {
  // Decoder inversion needs only the autoencoder: load the denoiser's pipeline when a space needs it.
  const model = await loadModel(inputs.model.pack, platform, signal);
  const targets = toModelImages(inputs.images, model, 'images');
  const losses: number[] = [];
  // Textual Inversion draws a random timestep and noise each step: its loss is shown smoothed.
  const stochastic = params.space === 'text-embedding';
  const live = livePreview(preview, 10, stochastic);
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
    loss: { kind: 'series' as const, values: r.losses, ...(r.note ? { note: r.note } : {}), ...(stochastic ? { stochastic } : {}) },
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
});
