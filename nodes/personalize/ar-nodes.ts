// What the autoregressive family (an 'autoregressive' pack: image tokenizer + raster-order
// transformer) does for the nodes that work on any family: Encoder Inversion runs the tokenizer
// (image → token grid, one exact pass); the Decoder turns a grid back into images; the Sampler and
// the AR Sampler draw grids token by token (the AR Sampler with its filters, masked regeneration
// and the step-by-step reveal); the Latent Optimizer learns a word by the next-token loss (AR
// Textual Inversion); the LoRA Trainer tunes LoRA (prior preservation or distillation; two-stage
// with a wired embedding) or a prefix; Likelihood shows each token's loss; Metrics scores with the
// pack's evaluator. Grids travel as latents in 'tokens' space.
import type { Tensor } from '../../ml/index.ts';
import { type ArAdapters, trainArEmbedding, trainArLora, trainArPrefix, writeArAdapterFile } from '../../models/ar/index.ts';
import { writeEmbeddingFile } from '../../models/personalize/index.ts';
import type { Files, ImageBatch, LoraWeights, ModelRef, Platform } from '../../runtime/index.ts';
import type arSamplerSpec from '../ar-sampler.ts';
import type decoderSpec from '../decoder.ts';
import type encoderInversionSpec from '../encoder-inversion.ts';
import { heatOverlay } from '../image/heatmap.ts';
import { tensorToRgba } from '../image/ops.ts';
import type latentOptimizerSpec from '../latent-optimizer.ts';
import type likelihoodSpec from '../likelihood.ts';
import type loraTrainerSpec from '../lora-trainer.ts';
import type metricsSpec from '../metrics.ts';
import type samplerSpec from '../sampler.ts';
import { adaptersFor, addedWords, checkWord, clearArCache, type LoadedAr, loadAr } from './ar-model-cache.ts';
import { reveal } from './ar-reveal.ts';
import { checkPromptFits, gridOf, imagesOf, tokensLatent, wordsOf } from './ar-values.ts';
import type { Ctx, Family, Out } from './families.ts';
import { liveLoop } from './family-runs.ts';
import { checkScoreInputs, scoreNode } from './score-images.ts';

/** The family's name in refusals ("… is an AR pack: …"). */
const isAr = (pack: string) => `"${pack}" is an AR pack`;

interface Ready extends LoadedAr {
  adapters: ArAdapters;
}

/** The reference's model with its adapters (and a wired one) and its added words. */
async function arFor(ref: ModelRef, platform: Platform, signal: AbortSignal, wired?: LoraWeights, wiredScale = 1): Promise<Ready> {
  const ar = await loadAr(ref.pack, platform, signal);
  const adapters = await adaptersFor(ref, ar.model, platform, signal, wired, wiredScale);
  const words = await addedWords(ref, ar.model, platform, signal);
  if (Object.keys(words).length) adapters.embeddings = words;
  return { ...ar, adapters };
}

/** Tuning starts from the pack's own transformer: adapters on the reference would be silently left out. */
function tunesBase(ref: ModelRef, what: string): void {
  if (ref.loras.length) throw new Error(`${isAr(ref.pack)}: ${what} tunes the pack’s own transformer; remove the LoRA and prefix files from its Model Loader (stack them again on the result)`);
}

/** A sample of the state learned so far, under the first training prompt with the node's seed (the same draw each time, so the previews differ only by what was learned). */
function previewSample(ar: LoadedAr, prompt: string, seed: number, show: (img: ReturnType<typeof tensorToRgba>) => void, signal: AbortSignal) {
  return async (_step: number, adapters: ArAdapters) => {
    const { tokens } = await ar.model.sample({ prompts: [prompt], seed, guidance: PREVIEW_GUIDANCE, adapters, signal });
    show(tensorToRgba(await ar.model.decode(tokens)));
  };
}

/** The AR Sampler's default guidance: previews look like what the trained state will give there. */
const PREVIEW_GUIDANCE = 3;

/** Concept grids: the images tokenized, one grid per image. */
async function conceptGrids(ar: LoadedAr, images: ImageBatch): Promise<Tensor> {
  return ar.model.encode(imagesOf(images, ar));
}

function checkTemplates(templates: readonly string[], token: string, ar: LoadedAr): void {
  for (const t of templates) {
    if (!t.includes(token)) throw new Error(`the training prompt “${t}” does not contain the placeholder ${token}`);
    checkPromptFits(t, ar, 'training prompt');
  }
}

const fileOf = (name: string, bytes: Uint8Array): Files => ({ kind: 'files', files: [{ name, mime: 'application/octet-stream', bytes }] });

async function latentOptimizer({ inputs, params, platform, signal, progress, preview }: Ctx<typeof latentOptimizerSpec>): Promise<Out<typeof latentOptimizerSpec>> {
  if (params.space !== 'text-embedding') throw new Error(`${isAr(inputs.model.pack)}: its optimization space is text-embedding (a new word by the next-token loss), not ${params.space}`);
  if (inputs.init) throw new Error(`${isAr(inputs.model.pack)}: Textual Inversion starts from a word; wire an embedding into initial embedding, not a latent`);
  tunesBase(inputs.model, 'Textual Inversion');
  const ar = await loadAr(inputs.model.pack, platform, signal);
  checkTemplates(params.templates, params.token, ar);
  const init = inputs.initEmbedding?.tensor;
  if (init) checkWord(init, ar.model, 'the initial embedding');
  const tokens = await conceptGrids(ar, inputs.images);
  const { live, settings } = liveLoop(params, { signal, progress, preview });
  const onPreview = previewSample(ar, params.templates[0], params.seed, (img) => live.sample(img), signal);
  const r = await trainArEmbedding(ar.model, tokens, { ...settings, batch: params.batch, templates: params.templates, token: params.token, init, onPreview });
  const vector = r.embedding;
  return {
    latent: { kind: 'latent', space: 'text-embedding', tensor: vector },
    embedding: { kind: 'embedding', tensor: vector, token: params.token },
    // Each step draws prompts and grids at random: the curve is shown smoothed.
    loss: { kind: 'series', values: r.losses, stochastic: true, ...(r.note ? { note: r.note } : {}) },
    file: fileOf(`${params.space}.safetensors`, writeEmbeddingFile(vector, ar.model.name, params.token)),
  };
}

async function loraTrainer({ inputs, params, platform, signal, progress, preview }: Ctx<typeof loraTrainerSpec>): Promise<Out<typeof loraTrainerSpec>> {
  const pack = inputs.model.pack;
  if (inputs.latent) throw new Error(`${isAr(pack)}: it tunes on the images’ token grids and takes no latent (pivots are a GAN’s)`);
  tunesBase(inputs.model, params.adapter === 'prefix' ? 'prefix tuning' : 'LoRA tuning');
  const ar = await loadAr(pack, platform, signal);
  checkTemplates(params.templates, params.token, ar);
  const tokens = await conceptGrids(ar, inputs.images);
  const { live, settings } = liveLoop(params, { signal, progress, preview });
  const onPreview = previewSample(ar, params.templates[0], params.seed, (img) => live.sample(img), signal);
  const common = { ...settings, batch: params.batch, templates: params.templates, token: params.token, onPreview };
  let r: { tensors: Record<string, Tensor>; meta: Record<string, string>; losses: number[]; note?: string };
  if (params.adapter === 'prefix') {
    if (inputs.embedding) throw new Error(`${isAr(pack)}: the two-stage method (a wired embedding) tunes LoRA; prefix tuning learns the concept alone: set Adapter to lora, or unwire the embedding`);
    if (params.priorImages > 0) throw new Error(`${isAr(pack)}: prefix tuning leaves the model frozen, so there is no prior to keep: set Prior images to 0`);
    r = await trainArPrefix(ar.model, tokens, { ...common, length: params.prefixLength });
  } else {
    if (params.target !== 'attention') throw new Error(`${isAr(pack)}: its transformer takes LoRA on the attention projections only; set Layers to attention, not ${params.target}`);
    const embedding = inputs.embedding?.tensor;
    if (embedding) {
      checkWord(embedding, ar.model, 'the wired embedding');
      if (inputs.embedding?.token && inputs.embedding.token !== params.token)
        throw new Error(`the wired embedding was learned for ${inputs.embedding.token}, but this trainer’s placeholder is ${params.token}: use the same word in both`);
    }
    let prior;
    if (params.priorImages > 0) {
      if (!params.classPrompt.trim()) throw new Error(`a prior term needs a class prompt (what the class looks like, e.g. “face, twemoji style”)`);
      checkPromptFits(params.classPrompt, ar, 'class prompt');
      prior = { mode: params.priorMode, prompt: params.classPrompt, count: params.priorImages, weight: params.priorWeight };
    }
    r = await trainArLora(ar.model, tokens, { ...common, rank: params.rank, alpha: params.alpha, embedding, prior });
  }
  return {
    lora: { kind: 'lora', tensors: r.tensors, meta: r.meta },
    file: fileOf(`${params.name}.safetensors`, writeArAdapterFile(r.tensors, r.meta)),
    loss: { kind: 'series', values: r.losses, stochastic: true, ...(r.note ? { note: r.note } : {}) },
  };
}

async function decoder({ inputs, platform, signal, progress }: Ctx<typeof decoderSpec>): Promise<Out<typeof decoderSpec>> {
  if (inputs.lora)
    throw new Error(`${isAr(inputs.model.pack)}: a LoRA or prefix adapter changes which tokens are drawn, not how a grid decodes; wire it into the AR Sampler or the Sampler`);
  const ar = await loadAr(inputs.model.pack, platform, signal);
  const grid = gridOf(inputs.latent, ar.model);
  progress(0, 1);
  const images = await ar.model.decode(grid);
  progress(1, 1);
  return { images: { kind: 'image', tensor: images } };
}

/** Draws grids under the prompt (the first one revealed as it is written): int32 [n, side, side]. */
async function draw(
  ar: Ready,
  o: {
    prompt: Ctx<typeof samplerSpec>['inputs']['prompt'];
    negative?: Ctx<typeof samplerSpec>['inputs']['negative'];
    n: number;
    filters?: { temperature: number; topK: number; topP: number };
    guidance: number;
    seed: number;
    cache?: boolean;
    keep?: { tokens: Tensor; mask: Uint8Array };
    revealEvery: number;
  },
  ctx: { signal: AbortSignal; progress(done: number, total: number): void; preview: Ctx<typeof samplerSpec>['preview'] },
) {
  checkPromptFits(o.prompt.text, ar);
  if (o.negative) checkPromptFits(o.negative.text, ar, 'negative prompt');
  const { count } = ar.model.grid;
  const embeddings = wordsOf(ar.adapters.embeddings ?? {}, o.prompt, o.negative);
  const adapters: ArAdapters = { ...ar.adapters, ...(Object.keys(embeddings).length ? { embeddings } : {}) };
  // The sampler reports every position up to the last one it draws (kept ones after it need no run).
  let total = count;
  if (o.keep) while (total > 0 && [...Array(o.n).keys()].every((k) => o.keep!.mask[k * count + total - 1])) total--;
  const shown = reveal({ model: ar.model, every: o.revealEvery, total, kept: o.keep?.mask.subarray(0, count), preview: ctx.preview, progress: ctx.progress });
  const r = await ar.model.sample({
    prompts: Array(o.n).fill(o.prompt.text),
    negative: o.negative?.text,
    ...o.filters,
    guidance: o.guidance,
    seed: o.seed,
    cache: o.cache,
    keep: o.keep,
    adapters,
    onToken: shown.onToken,
    signal: ctx.signal,
  });
  await shown.finish();
  return r.tokens;
}

async function sampler({ inputs, params, platform, signal, progress, preview }: Ctx<typeof samplerSpec>): Promise<Out<typeof samplerSpec>> {
  if (inputs.latent) throw new Error(`${isAr(inputs.model.pack)}: it draws token grids from the prompt; to redraw part of a grid, wire it into an AR Sampler’s tokens input and mask the tokens to redraw`);
  const ar = await arFor(inputs.model, platform, signal, inputs.lora, params.loraScale);
  // The family's defaults (temperature 1, no top-k or top-p): the AR Sampler node sets them.
  const grids = await draw(ar, { prompt: inputs.prompt, negative: inputs.negative, n: params.batch, guidance: params.guidance, seed: params.seed, revealEvery: params.previewEvery }, { signal, progress, preview });
  return { latent: tokensLatent(grids) };
}

/** The keep-mask of masked regeneration: every token of every grid kept but the masked positions. */
function keepMask(n: number, count: number, side: number, masked: readonly number[]): Uint8Array {
  const mask = new Uint8Array(n * count).fill(1);
  for (const p of masked) {
    if (p >= count) throw new Error(`masked position ${p} is outside the ${side}×${side} grid (positions 0 to ${count - 1})`);
    for (let k = 0; k < n; k++) mask[k * count + p] = 0;
  }
  return mask;
}

async function tokenSampler({ inputs, params, platform, signal, progress, preview }: Ctx<typeof arSamplerSpec>): Promise<Out<typeof arSamplerSpec>> {
  const ar = await arFor(inputs.model, platform, signal, inputs.lora, params.loraScale);
  const { side, count } = ar.model.grid;
  let n = params.batch;
  let keep: { tokens: Tensor; mask: Uint8Array } | undefined;
  if (inputs.tokens) {
    const grid = gridOf(inputs.tokens, ar.model);
    n = grid.shape[0];
    keep = { tokens: grid, mask: keepMask(n, count, side, params.masked) };
  } else if (params.masked.length) throw new Error('masked tokens are positions of a wired grid: wire a token grid into tokens (or clear the mask)');
  const filters = { temperature: params.temperature, topK: params.topK, topP: params.topP };
  const grids = await draw(ar, { prompt: inputs.prompt, negative: inputs.negative, n, filters, guidance: params.guidance, seed: params.seed, cache: params.cache, keep, revealEvery: params.revealEvery }, { signal, progress, preview });
  const images = await ar.model.decode(grids);
  return { tokens: tokensLatent(grids), images: { kind: 'image', tensor: images } };
}

async function encoderInversion({ inputs, params, platform, signal, progress }: Ctx<typeof encoderInversionSpec>): Promise<Out<typeof encoderInversionSpec>> {
  if (params.mode !== 'tokenizer') throw new Error(`${isAr(inputs.model.pack)}: its inversion is "tokenizer" (image → token grid), not ${params.mode}`);
  if (inputs.latent) throw new Error(`${isAr(inputs.model.pack)}: its tokenizer reads images; a token grid needs no inverting (wire it straight into an AR Sampler, a Decoder or a Likelihood)`);
  if (!inputs.images) throw new Error('wire the images to tokenize');
  const ar = await loadAr(inputs.model.pack, platform, signal);
  progress(0, 1);
  const grids = await conceptGrids(ar, inputs.images);
  progress(1, 1);
  return { latent: tokensLatent(grids) };
}

const LN2 = Math.log(2);

async function likelihood({ inputs, params, platform, signal, progress }: Ctx<typeof likelihoodSpec>): Promise<Out<typeof likelihoodSpec>> {
  if (!inputs.images === !inputs.tokens) throw new Error(inputs.images ? 'wire images or a token grid, not both' : 'wire the images (or a token grid) to score');
  const ar = await arFor(inputs.model, platform, signal, inputs.lora);
  checkPromptFits(inputs.prompt.text, ar);
  progress(0, 3);
  const images = inputs.images ? imagesOf(inputs.images, ar) : undefined;
  const grids = inputs.tokens ? gridOf(inputs.tokens, ar.model) : await ar.model.encode(images!);
  progress(1, 3);
  const n = grids.shape[0];
  const words = wordsOf(ar.adapters.embeddings ?? {}, inputs.prompt);
  const adapters: ArAdapters = { ...ar.adapters, ...(Object.keys(words).length ? { embeddings: words } : {}) };
  const nll = await ar.model.likelihood(grids, Array(n).fill(inputs.prompt.text), adapters);
  const values = Float32Array.from(nll.data as Float32Array);
  progress(2, 3);
  // The picture under the heat map: the images as given, or the grid decoded.
  const under = images ?? (await ar.model.decode(grids));
  const mean = values.reduce((s, v) => s + v, 0) / values.length;
  const top = params.scaleTo > 0 ? params.scaleTo : Math.max(...values);
  const heatmap = heatOverlay(under, values, ar.model.grid.side, top, params.opacity);
  progress(3, 3);
  return {
    heatmap: { kind: 'image', tensor: heatmap },
    loss: { kind: 'scalar', value: mean },
    metrics: { kind: 'metrics', values: { natsPerToken: mean, bitsPerToken: mean / LN2 } },
  };
}

async function metrics(ctx: Ctx<typeof metricsSpec>): Promise<Out<typeof metricsSpec>> {
  checkScoreInputs(ctx);
  const ar = await loadAr(ctx.inputs.model.pack, ctx.platform, ctx.signal);
  const signed = (b: ImageBatch, what: string) => ({ data: (imagesOf(b, ar, what).data as Float32Array).map((v) => v * 2 - 1), n: b.tensor.shape[0] });
  return scoreNode(ctx, { evaluator: await ar.embedder(), tokenizer: ar.model.tokenizer.config, size: ar.resolution, images: signed });
}

export const arFamily: Family = {
  kind: 'AR',
  async load(ref, platform, signal) {
    await arFor(ref, platform, signal);
  },
  nodes: { latentOptimizer, loraTrainer, decoder, sampler, tokenSampler, encoderInversion, likelihood, metrics },
};

export { clearArCache };
