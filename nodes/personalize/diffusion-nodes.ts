// What the diffusion family does for each node that works on any family: the Latent Optimizer
// (decoder inversion, start-noise inversion, Textual Inversion), the LoRA Trainer (DreamBooth-LoRA),
// the Decoder (the autoencoder), the Sampler (the denoiser under a prompt) and Encoder Inversion
// (the autoencoder's encoder, DDIM inversion). The nodes reach these through ./families.ts.
import { f32, Rng, writeSafetensors } from '../../ml/index.ts';
import { guided } from '../../models/diffusion/guidance.ts';
import { ddimInvert } from '../../models/diffusion/inversion.ts';
import { TextToImage } from '../../models/diffusion/pipeline.ts';
import { predictX0, sample } from '../../models/diffusion/samplers.ts';
import { alphaBar } from '../../models/diffusion/schedule.ts';
import { invertLatent, invertNoise, loraMetaFor, mergeLoras, parseLoraMeta, slotOf, textualInversion, trainLora, writeEmbeddingFile, writeLoraFile } from '../../models/personalize/index.ts';
import { type Embedding, type Files, type Latent } from '../../runtime/index.ts';
import { tensorToRgba } from '../image/ops.ts';
import type decoderSpec from '../decoder.ts';
import type encoderInversionSpec from '../encoder-inversion.ts';
import type latentOptimizerSpec from '../latent-optimizer.ts';
import type loraTrainerSpec from '../lora-trainer.ts';
import type metricsSpec from '../metrics.ts';
import type samplerSpec from '../sampler.ts';
import { conditioning } from './conditioning.ts';
import { fromLatent, fromModelImages, latentValue, toModelImages } from './images.ts';
import { livePreview } from './loss-plot.ts';
import { loadModel, pipelineFor, tokensFor } from './model-cache.ts';
import { latentPreview, previewImage } from './sample-preview.ts';
import type { Ctx, Family, Out } from './families.ts';
import { checkScoreInputs, scoreNode } from './score-images.ts';

const SPACES = ['latent', 'noise', 'text-embedding'];

function offers(what: string, value: string, offered: readonly string[], pack: string): void {
  if (!offered.includes(value)) throw new Error(`"${pack}" is a diffusion pack: its ${what} ${offered.length > 1 ? 'are' : 'is'} ${offered.join(', ')}, not ${value}`);
}

async function latentOptimizer({ inputs, params, platform, signal, progress, preview }: Ctx<typeof latentOptimizerSpec>): Promise<Out<typeof latentOptimizerSpec>> {
  offers('inversion spaces', params.space, SPACES, inputs.model.pack);
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
    minSnrGamma: params.minSnrGamma,
    onPreview: async (_k, v) => live.sample(await previewImage(model, pipe, params.templates[0], { [slot]: v }, params.seed)),
  });
  const tensor = f32([1, r.vector.length], r.vector);
  return finish({ kind: 'latent', space: 'text-embedding', tensor }, { kind: 'embedding', tensor, token: params.token }, r);
}

async function loraTrainer({ inputs, params, platform, signal, progress, preview }: Ctx<typeof loraTrainerSpec>): Promise<Out<typeof loraTrainerSpec>> {
  const pack = inputs.model.pack;
  if (params.adapter !== 'lora') throw new Error(`"${pack}" is a diffusion pack: its adapters are LoRA (prefix tuning is an autoregressive pack’s)`);
  if (inputs.embedding) throw new Error(`"${pack}" is a diffusion pack: its LoRA tuning gives the placeholder its meaning itself (DreamBooth); wire the embedding into a Text Prompt instead`);
  if (params.priorImages > 0 && params.priorMode !== 'preservation') throw new Error(`"${pack}" is a diffusion pack: its prior term is preservation (class images in every batch), not ${params.priorMode}`);
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
    minSnrGamma: params.minSnrGamma,
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
}

async function decoder({ inputs, platform, signal, progress }: Ctx<typeof decoderSpec>): Promise<Out<typeof decoderSpec>> {
  if (inputs.lora) throw new Error(`"${inputs.model.pack}" is a diffusion pack: its autoencoder takes no LoRA; wire the LoRA into a Sampler`);
  const model = await loadModel(inputs.model.pack, platform, signal);
  const { data, n } = fromLatent(inputs.latent, model, ['latent']);
  progress(0, 1);
  const images = fromModelImages(await model.decode(data, n), n, model);
  progress(1, 1);
  return { images };
}

async function sampler({ inputs, params, platform, signal, progress, preview }: Ctx<typeof samplerSpec>): Promise<Out<typeof samplerSpec>> {
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
}

async function encoderInversion({ inputs, params, platform, signal, progress }: Ctx<typeof encoderInversionSpec>): Promise<Out<typeof encoderInversionSpec>> {
  offers('inversions', params.mode, ['autoencoder', 'ddim'], inputs.model.pack);
  const model = await loadModel(inputs.model.pack, platform, signal);
  let x0: Float32Array;
  let n: number;
  if (inputs.latent && params.mode === 'ddim') ({ data: x0, n } = fromLatent(inputs.latent, model, ['latent']));
  else {
    if (!inputs.images) throw new Error(params.mode === 'ddim' ? 'wire images or a latent to invert' : 'wire the images to encode');
    const img = toModelImages(inputs.images, model);
    n = img.n;
    x0 = await model.encode(img.data, n);
  }
  if (params.mode === 'autoencoder') return { latent: latentValue(x0, n, model, 'latent') };
  const { pipe, tokens } = await pipelineFor(inputs.model, platform, signal);
  const added = await tokensFor(inputs.model, model, platform, signal);
  const { cond, uncond } = await conditioning(model, pipe, n, inputs.prompt, undefined, tokens, added);
  const eps = guided(pipe.predictEps, { cond, uncond, scale: params.guidance });
  const noise = await ddimInvert(eps, x0, { schedule: model.schedule, steps: params.steps, signal, onStep: (d, t) => progress(d, t) });
  return { latent: latentValue(noise, n, model, 'noise') };
}

async function metrics(ctx: Ctx<typeof metricsSpec>): Promise<Out<typeof metricsSpec>> {
  checkScoreInputs(ctx);
  const model = await loadModel(ctx.inputs.model.pack, ctx.platform, ctx.signal);
  return scoreNode(ctx, { evaluator: await model.evaluator(), tokenizer: model.manifest.tokenizer, size: model.resolution.width, images: (b, what) => toModelImages(b, model, what) });
}

export const diffusionFamily: Family = {
  kind: 'diffusion',
  async load(ref, platform, signal) {
    const model = await loadModel(ref.pack, platform, signal);
    await tokensFor(ref, model, platform, signal);
    if (ref.loras.length) await pipelineFor(ref, platform, signal);
  },
  nodes: { latentOptimizer, loraTrainer, decoder, sampler, encoderInversion, metrics },
};
