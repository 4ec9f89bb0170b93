// Run code of the LoRA Trainer node, declared in ./lora-trainer.ts (the editor loads the declaration alone).
import { Rng } from '../ml/index.ts';
import { guided } from '../models/diffusion/guidance.ts';
import { TextToImage } from '../models/diffusion/pipeline.ts';
import { sample } from '../models/diffusion/samplers.ts';
import { loraMetaFor, mergeLoras, parseLoraMeta, slotOf, trainLora, writeLoraFile } from '../models/personalize/index.ts';
import { implementNode } from '../runtime/index.ts';
import { toModelImages } from './personalize/images.ts';
import { livePreview } from './personalize/loss-plot.ts';
import { pipelineFor } from './personalize/model-cache.ts';
import { previewImage } from './personalize/sample-preview.ts';
import spec from './lora-trainer.ts';

export default implementNode(spec, async ({ inputs, params, platform, signal, progress, preview }) => {
  const { model, pipe } = await pipelineFor(inputs.model, platform, signal);
  const images = toModelImages(inputs.images, model, 'images');
  const latents = await model.encode(images.data, images.n);
  const slot = slotOf(params.token);
  const templates = params.templates.map((t) => t.replaceAll(params.token, slot));
  let prior;
  if (params.priorImages > 0) {
    const cond = await model.encodePrompts(Array(params.priorImages).fill(params.classPrompt), {}, pipe);
    const uncond = await model.encodePrompts(Array(params.priorImages).fill(''), {}, pipe);
    const eps = guided(pipe.predictEps, { cond, uncond, scale: 4 });
    const z = await sample(eps, params.priorImages * model.latentSize, { schedule: model.schedule, sampler: 'dpm++2m', steps: params.priorSteps, rng: new Rng(params.seed + 1), signal });
    prior = { latents: z, m: params.priorImages, prompt: params.classPrompt, weight: params.priorWeight };
  }
  const meta = loraMetaFor(model, params.rank, params.alpha, slot);
  const live = livePreview(preview, 10, true); // random timesteps and noise: shown smoothed
  const losses: number[] = [];
  const r = await trainLora(model, pipe, {
    latents,
    n: images.n,
    templates,
    prior,
    rank: params.rank,
    alpha: params.alpha,
    target: params.target,
    steps: params.steps,
    lr: params.lr,
    batch: params.batch,
    seed: params.seed,
    patience: params.patience,
    previewEvery: params.previewEvery,
    signal,
    onStep: (k, loss) => {
      losses.push(loss);
      live.loss(losses);
      progress(k, params.steps);
    },
    onPreview: async (_k, lora) => {
      const merged = mergeLoras(pipe.weights.unet, [{ tensors: lora, meta: parseLoraMeta(meta), scale: 1 }]);
      const p = new TextToImage(model.diffusionConfig, { text: model.weights('textEncoder'), unet: merged }, { backend: model.backend, session: model.sessionOptions });
      try {
        live.sample(await previewImage(model, p, templates[0], {}, params.seed, [slot]));
      } finally {
        await p.release();
      }
    },
  });
  const bytes = writeLoraFile(r.lora, meta);
  return {
    lora: { kind: 'lora', tensors: r.lora, meta },
    file: { kind: 'files', files: [{ name: `${params.name}.safetensors`, mime: 'application/octet-stream', bytes }] },
    loss: { kind: 'series', values: r.losses, stochastic: true, ...(r.note ? { note: r.note } : {}) },
  };
});
