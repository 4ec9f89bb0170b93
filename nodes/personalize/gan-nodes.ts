// What the GAN family (a stylegan pack) does for the nodes that work on any family: the Latent
// Optimizer inverts into z, w, w+, s or f (Image2StyleGAN); the LoRA Trainer runs pivotal tuning;
// the Decoder renders a code of any space (through a wired LoRA); the Sampler maps seeded z of the
// sub-category nearest the prompt to w; Encoder Inversion runs the pack's encoder (pSp/e4e, ReStyle
// passes); the Latent Edit moves a code along GANSpace, label or text directions; Metrics scores
// with the pack's evaluator. Codes travel on latent ports under their space's name ('w+', …).
import { f32, type Tensor, writeSafetensors } from '../../ml/index.ts';
import { classForPrompt } from '../../models/gan/classes.ts';
import { checkCode } from '../../models/gan/codes.ts';
import { applyEdit, directionAt, ganSpace, labelDirection, textDirection } from '../../models/gan/directions.ts';
import { GanImageEncoder } from '../../models/gan/encode.ts';
import type { GanSpace } from '../../models/gan/graphs.ts';
import { GanModel } from '../../models/gan/model.ts';
import { loadGanPack } from '../../models/gan/pack.ts';
import { Tokenizer } from '../../models/text/tokenizer.ts';
import type { Files, ImageBatch, Latent, LoraWeights, ModelRef, Platform } from '../../runtime/index.ts';
import { tensorToRgba } from '../image/ops.ts';
import type decoderSpec from '../decoder.ts';
import type encoderInversionSpec from '../encoder-inversion.ts';
import type latentEditSpec from '../latent-edit.ts';
import type latentOptimizerSpec from '../latent-optimizer.ts';
import type loraTrainerSpec from '../lora-trainer.ts';
import type metricsSpec from '../metrics.ts';
import type samplerSpec from '../sampler.ts';
import type { Ctx, Family, Out } from './families.ts';
import { liveLoop } from './family-runs.ts';
import { livePreview } from './loss-plot.ts';
import { adapterFile, packFetch } from './model-cache.ts';
import { checkScoreInputs, scoreNode } from './score-images.ts';

const SPACES: readonly GanSpace[] = ['z', 'w', 'w+', 's', 'f'];

interface Loaded {
  model: GanModel;
  encoder: GanImageEncoder | null;
}

const packs = new Map<string, Promise<Loaded>>();

/** A stylegan pack, loaded and checked once per worker. */
function loadGan(pack: string, platform: Platform, signal: AbortSignal): Promise<Loaded> {
  let p = packs.get(pack);
  if (!p) {
    const backend = platform.backend;
    if (!backend) throw new Error('this host has no ONNX runtime to run models with');
    p = (async () => {
      const loaded = await loadGanPack(packFetch(pack, platform, signal), { who: 'this node' });
      const m = loaded.manifest;
      const model = GanModel.create({
        name: m.name,
        config: loaded.config,
        classes: loaded.classes,
        generator: loaded.generator,
        evaluator: loaded.evaluator,
        backend,
        tokenizer: new Tokenizer(loaded.tokenizer),
      });
      const enc = loaded.encoder;
      const encoder = enc
        ? new GanImageEncoder({ encoderConfig: enc.config, encoderWeights: enc.weights, ganConfig: loaded.config, generatorWeights: loaded.generator, backend })
        : null;
      return { model, encoder };
    })();
    packs.set(pack, p);
    // A failed load is not cached: fixing the files and running again must work.
    p.catch(() => packs.delete(pack));
  }
  return p;
}

function readLora(source: string, platform: Platform, signal: AbortSignal) {
  return adapterFile(source, platform, signal).catch((e: Error) => {
    throw new Error(`LoRA ${source}: ${e.message}`);
  });
}

/** The reference's generator: the pack's, with the Model Loader's LoRA files and a wired one merged in. */
async function ganFor(ref: ModelRef, platform: Platform, signal: AbortSignal, extra?: LoraWeights): Promise<Loaded> {
  const base = await loadGan(ref.pack, platform, signal);
  if (ref.tokens?.length) throw new Error(`"${ref.pack}" is a GAN pack: it has no words to add (embedding files belong to a diffusion or AR pack)`);
  let model = base.model;
  for (const l of ref.loras) {
    const lora = await readLora(l.ref, platform, signal);
    try {
      model = model.withLora(lora, l.scale);
    } catch (e) {
      throw new Error(`LoRA ${l.ref}: ${(e as Error).message}`);
    }
  }
  if (extra) model = model.withLora({ tensors: extra.tensors, meta: extra.meta ?? {} });
  return { model, encoder: base.encoder };
}

function spaceOf(value: string, pack: string): GanSpace {
  if (!(SPACES as readonly string[]).includes(value)) throw new Error(`"${pack}" is a GAN pack: its inversion spaces are ${SPACES.join(', ')}, not ${value}`);
  return value as GanSpace;
}

/** Images of a port, checked against the generator's size: [n, 3, R, R] in [0, 1]. */
function imagesFor(batch: ImageBatch, model: GanModel, what = 'images'): Tensor {
  const [, c, h, w] = batch.tensor.shape;
  const r = model.config.resolution;
  if (batch.tensor.shape.length !== 4 || c !== 3) throw new Error(`the ${what} have ${c} channel${c === 1 ? '' : 's'}; the GAN needs RGB (3 channels)`);
  if (h !== r || w !== r) throw new Error(`the ${what} are ${w}×${h} but "${model.name}" works at ${r}×${r}: put a Resize/Crop before this node`);
  return batch.tensor;
}

/** A latent port value as a code of this generator in one of its spaces. */
function codeOf(l: Latent, model: GanModel, pack: string): { space: GanSpace; value: Tensor } {
  const space = spaceOf(l.space, pack);
  checkCode(model.config, space, l.tensor, model.featureLevel);
  return { space, value: l.tensor };
}

const latentFile = (l: Latent, model: GanModel): Files => ({
  kind: 'files',
  files: [{ name: `${l.space}.safetensors`, mime: 'application/octet-stream', bytes: writeSafetensors({ latent: l.tensor }, { space: l.space, pack: model.name, family: 'gan' }) }],
});

async function latentOptimizer({ inputs, params, platform, signal, progress, preview }: Ctx<typeof latentOptimizerSpec>): Promise<Out<typeof latentOptimizerSpec>> {
  const space = spaceOf(params.space, inputs.model.pack);
  const { model } = await ganFor(inputs.model, platform, signal);
  const images = imagesFor(inputs.images, model);
  let init: Tensor | undefined;
  if (inputs.init) {
    const from = codeOf(inputs.init, model, inputs.model.pack);
    // A w start serves every space it maps to; others must already be in the optimized space.
    if (from.space === space) init = from.value;
    else if (from.space === 'w' && space !== 'z') init = await model.fromW(space, from.value);
    else throw new Error(`the initial code is in "${from.space}" space; this optimization works in "${space}" (wire a code of that space, or a w)`);
  }
  const cls = space === 'z' && inputs.prompt?.text ? (await classForPrompt(model, inputs.prompt.text)).index : undefined;
  const { live, settings } = liveLoop(params, { signal, progress, preview });
  const r = await model.invert(space, images, {
    ...settings,
    init,
    class: cls,
    weights: { perceptual: params.perceptual, wAvgPull: params.meanPull },
    onPreview: (_k, img) => live.sample(tensorToRgba(img)),
  });
  const latent: Latent = { kind: 'latent', space, tensor: r.value };
  return {
    latent,
    embedding: { kind: 'embedding', tensor: f32([0, 0]) },
    loss: { kind: 'series', values: r.losses, ...(r.note ? { note: r.note } : {}) },
    file: latentFile(latent, model),
  };
}

async function loraTrainer({ inputs, params, platform, signal, progress, preview }: Ctx<typeof loraTrainerSpec>): Promise<Out<typeof loraTrainerSpec>> {
  if (params.adapter !== 'lora') throw new Error(`"${inputs.model.pack}" is a GAN pack: pivotal tuning tunes LoRA on the generator (prefix tuning is an autoregressive pack’s)`);
  if (inputs.embedding) throw new Error(`"${inputs.model.pack}" is a GAN pack: it has no words, so a word embedding means nothing to it; unwire the embedding`);
  const { model } = await ganFor(inputs.model, platform, signal);
  const images = imagesFor(inputs.images, model);
  let pivot: Tensor | undefined;
  if (inputs.latent) {
    const { space, value } = codeOf(inputs.latent, model, inputs.model.pack);
    if (space !== 'w') throw new Error(`pivotal tuning takes pivots in "w" space (one w per image); the wired code is in "${space}" space`);
    if (value.shape[0] !== images.shape[0]) throw new Error(`${value.shape[0]} pivot${value.shape[0] === 1 ? '' : 's'} for ${images.shape[0]} image${images.shape[0] === 1 ? '' : 's'}: wire one w per image`);
    pivot = value;
  }
  const losses: number[] = [];
  const live = livePreview(preview);
  const total = (pivot ? 0 : params.pivotSteps) + params.steps;
  const r = await model.pivotalTuning(images, {
    pivot,
    pivotSteps: params.pivotSteps,
    steps: params.steps,
    lr: params.lr,
    rank: params.rank,
    alpha: params.alpha,
    locality: { weight: params.locality, samples: 4 },
    seed: params.seed,
    patience: params.patience,
    previewEvery: params.previewEvery,
    signal,
    onPivotStep: (k) => progress(k, total),
    onStep: (k, loss) => {
      losses.push(loss);
      live.loss(losses);
      progress(total - params.steps + k, total);
    },
    onPreview: (_k, img) => live.sample(tensorToRgba(img)),
  });
  const bytes = writeSafetensors(r.lora, r.meta);
  return {
    lora: { kind: 'lora', tensors: r.lora, meta: r.meta },
    file: { kind: 'files', files: [{ name: `${params.name}.safetensors`, mime: 'application/octet-stream', bytes }] },
    loss: { kind: 'series', values: r.losses, ...(r.note ? { note: r.note } : {}) },
  };
}

async function decoder({ inputs, params, platform, signal, progress }: Ctx<typeof decoderSpec>): Promise<Out<typeof decoderSpec>> {
  const { model } = await ganFor(inputs.model, platform, signal, inputs.lora);
  const { space, value } = codeOf(inputs.latent, model, inputs.model.pack);
  progress(0, 1);
  const tensor = await model.synthesize(space, value, { psi: params.psi, noiseSeed: params.noiseSeed });
  progress(1, 1);
  return { images: { kind: 'image', tensor } };
}

async function sampler({ inputs, params, platform, signal, progress }: Ctx<typeof samplerSpec>): Promise<Out<typeof samplerSpec>> {
  if (inputs.latent) throw new Error(`"${inputs.model.pack}" is a GAN pack: it samples from the prompt and the seed; wire a code into a Decoder to render it, or a Latent Edit to change it`);
  if (inputs.lora) throw new Error(`"${inputs.model.pack}" is a GAN pack: a LoRA changes how codes render, not how they are drawn; wire it into the Decoder`);
  const { model } = await ganFor(inputs.model, platform, signal);
  progress(0, 1);
  const text = inputs.prompt.text.trim();
  const cls = model.config.classes && text ? (await classForPrompt(model, text)).index : null;
  const w = await model.sample({ n: params.batch, seed: params.seed, classes: new Array(params.batch).fill(cls), psi: params.psi });
  progress(1, 1);
  return { latent: { kind: 'latent', space: 'w', tensor: w } };
}

async function encoderInversion({ inputs, params, platform, signal, progress }: Ctx<typeof encoderInversionSpec>): Promise<Out<typeof encoderInversionSpec>> {
  if (params.mode !== 'encoder') throw new Error(`"${inputs.model.pack}" is a GAN pack: its inversion is "encoder" (image → W+), not ${params.mode}`);
  const { model, encoder } = await ganFor(inputs.model, platform, signal);
  if (!encoder) throw new Error(`"${inputs.model.pack}" has no encoder: invert with a Latent Optimizer instead`);
  if (!inputs.images) throw new Error('wire the images to encode');
  const images = imagesFor(inputs.images, model);
  progress(0, 1);
  const r = await encoder.encode(images, { passes: params.passes });
  progress(1, 1);
  return { latent: { kind: 'latent', space: 'w+', tensor: r.ws } };
}

async function latentEdit({ inputs, params, platform, signal, progress }: Ctx<typeof latentEditSpec>): Promise<Out<typeof latentEditSpec>> {
  const { model } = await ganFor(inputs.model, platform, signal);
  const { space, value } = codeOf(inputs.latent, model, inputs.model.pack);
  if (space !== 'w' && space !== 'w+') throw new Error(`edits move codes in W: wire a code in "w" or "w+" space, not "${space}"`);
  progress(0, 1);
  const classIndex = (name: string) => {
    const i = model.classes.indexOf(name.trim());
    if (i < 0) throw new Error(`"${name}" is not a sub-category of "${model.name}"; it knows ${model.classes.slice(0, 8).join(', ')}, … (${model.classes.length} in all)`);
    return i;
  };
  // Strength is in units of the spread of mapped w along the direction, so 1 is a typical step.
  const components = await principalDirections(model, params.component + 1);
  let direction: Tensor;
  if (params.direction === 'principal') direction = directionAt(components.directions, params.component);
  else if (params.direction === 'label')
    direction = (await labelDirection(model, { positive: classIndex(params.target), negative: params.source.trim() ? classIndex(params.source) : 'rest' })).direction;
  else direction = (await textDirection(model, { target: params.prompt, neutral: params.neutral, components })).direction;
  const edited = applyEdit(model.config, value, direction, params.strength * spreadAlong(components, direction), params.layers);
  progress(1, 1);
  return { latent: { kind: 'latent', space: 'w+', tensor: edited } };
}

const principal = new WeakMap<GanModel, { k: number; directions: ReturnType<typeof ganSpace> }>();

/** GANSpace's components of a generator, computed once per worker (2,000 mapped w and a PCA). */
function principalDirections(model: GanModel, atLeast: number): ReturnType<typeof ganSpace> {
  const have = principal.get(model);
  if (have && have.k >= atLeast) return have.directions;
  const k = Math.max(16, atLeast);
  const directions = ganSpace(model, { k });
  principal.set(model, { k, directions });
  directions.catch(() => principal.delete(model));
  return directions;
}

/** The standard deviation of mapped w along a unit direction, from the principal components. */
function spreadAlong(c: { directions: Tensor; variances: number[] }, d: Tensor): number {
  const D = d.data.length;
  const dirs = c.directions.data as Float32Array;
  let v = 0;
  c.variances.forEach((variance, i) => {
    let dot = 0;
    for (let e = 0; e < D; e++) dot += dirs[i * D + e] * (d.data as Float32Array)[e];
    v += dot * dot * variance;
  });
  return Math.sqrt(v);
}

async function metrics(ctx: Ctx<typeof metricsSpec>): Promise<Out<typeof metricsSpec>> {
  checkScoreInputs(ctx);
  const { model } = await loadGan(ctx.inputs.model.pack, ctx.platform, ctx.signal);
  const signed = (b: ImageBatch, what: string) => ({ data: (imagesFor(b, model, what).data as Float32Array).map((v) => v * 2 - 1), n: b.tensor.shape[0] });
  return scoreNode(ctx, { evaluator: await model.embedder(), tokenizer: model.tokenizer!.config, size: model.config.resolution, images: signed });
}

export const ganFamily: Family = {
  kind: 'GAN',
  async load(ref, platform, signal) {
    await ganFor(ref, platform, signal);
  },
  nodes: { latentOptimizer, loraTrainer, decoder, sampler, encoderInversion, latentEdit, metrics },
};

/** Forget every loaded GAN pack (tests; a host freeing memory). */
export async function clearGanCache(): Promise<void> {
  const all = [...packs.values()];
  packs.clear();
  for (const p of all) {
    const l = await p.catch(() => null);
    await l?.encoder?.release();
    await l?.model.release();
  }
}
