// Pivotal Tuning Inversion (Roich et al. 2022) with LoRA: invert the images to a W pivot each, then
// tune low-rank adapters on the generator's modulated convolutions so it reproduces the images at
// their pivots. PTI's locality regularizer keeps the tuned generator's output unchanged around the
// pivots: samples w_r = w_p + radius·(w_z − w_p)/‖w_z − w_p‖ (w_z mapped from seeded z) must render
// as the original generator renders them (pixel MSE; PTI adds LPIPS there, which the reconstruction
// term's evaluator stands in for only at the pivots). Several images of one concept give one LoRA
// with one pivot per image (MyStyle's personal prior, Nitzan et al. 2022).
// Adapters live on the STORED weight: the effective weight is c·(W + (α/r)·B·A) with c the layer's
// equalized-lr scale, so merging is W' = W + s·(α/r)·B·A, the same rule as every LoRA of the app.
import { Adam, f32, type Graph, GraphBuilder, Params, Rng, type Tensor, Trainer, uniform, type Value } from '../../ml/index.ts';
import type { ClipConfig } from '../evaluator/config.ts';
import { type LoopResult, optimize } from '../personalize/optimize.ts';
import { LORA_FORMAT, type LoraMeta, mergeLoras } from '../personalize/lora-file.ts';
import { concatRows, fixedNoise, toSigned } from './codes.ts';
import { type GanConfig, noiseInputs } from './config.ts';
import { Generator, type StyleLayer } from './generator.ts';
import type { GanModel } from './model.ts';
import { DEFAULT_RECONSTRUCTION, reconstructionPerImage, type ReconstructionWeights, TARGET_EMBEDDING, towerWeights } from './perceptual.ts';

export const GAN_LORA_FAMILY = 'gan';
const A = '.lora_A.weight';
const B = '.lora_B.weight';

export interface PivotalTuningOptions {
  /** The pivots w [n, wDim], one per image; default: invert each image in W first. */
  pivot?: Tensor;
  /** Steps and learning rate of that W inversion. */
  pivotSteps: number;
  pivotLr?: number;
  steps: number;
  lr: number;
  rank: number;
  alpha: number;
  /** Paths of the modulated convolutions to adapt (ganLoraLayers lists them); default all. */
  layers?: readonly string[];
  /**
   * PTI's locality regularizer: weight, number of samples, and their distance from the pivots in W
   * (default half the mean distance from the pivots to the mapped samples, PTI's α at this scale).
   */
  locality: { weight: number; samples: number; radius?: number };
  /** The reconstruction loss at the pivots (default pixel 1, perceptual 0.5). */
  weights?: ReconstructionWeights;
  seed?: number;
  noiseSeed?: number;
  patience?: number;
  signal?: AbortSignal;
  /** Steps of the tuning (the pivot inversion reports through onPivotStep). */
  onStep?: (step: number, loss: number) => void;
  onPivotStep?: (step: number, loss: number) => void;
  previewEvery?: number;
  /** The tuned generator's images at the pivots. */
  onPreview?: (step: number, images: Tensor) => void | Promise<void>;
}

export interface PivotalTuningResult extends LoopResult {
  /** '<conv path>.lora_A.weight' [r, Cin, k, k] and '.lora_B.weight' [Cout, r, 1, 1] per adapted layer. */
  lora: Record<string, Tensor>;
  /** What a LoRA file records: family 'gan', the generator, rank, alpha, layers and the pivots. */
  meta: Record<string, string>;
  pivot: Tensor;
  pivotLosses: number[];
}

/** Every modulated convolution of a generator, by the path its adapters are named after. */
export function ganLoraLayers(c: GanConfig): StyleLayer[] {
  return new Generator(new Params(new GraphBuilder()), 'g', c).synthesis.styleLayers();
}

/**
 * Adds adapters to the chosen modulated convolutions (ModulatedConv2d.weightDelta): A [r, Cin, k, k]
 * small random, B [Cout, r, 1, 1] zero, so the adapted generator starts as the original.
 */
export function attachGanLora(g: Generator, p: Params, o: { rank: number; alpha: number; layers?: readonly string[]; seed: number }): string[] {
  if (!Number.isInteger(o.rank) || o.rank < 1) throw new Error(`LoRA rank must be a positive integer, got ${o.rank}`);
  const all = g.synthesis.styleLayers();
  const chosen = o.layers ? o.layers.map((path) => all.find((l) => l.path === path) ?? unknownLayer(path, all)) : all;
  const rng = new Rng(o.seed);
  const names: string[] = [];
  for (const { path, conv } of chosen) {
    const { inChannels: cin, outChannels: cout, kernel: k } = conv;
    const r = o.rank;
    const fanIn = cin * k * k;
    const a = p.add(path + A, uniform([r, cin, k, k], rng, -1 / Math.sqrt(fanIn), 1 / Math.sqrt(fanIn)), ['lora']);
    const bw = p.add(path + B, f32([cout, r, 1, 1]), ['lora']);
    // The stored-weight delta times the layer's equalized scale 1/√fan_in (see the header).
    const scale = o.alpha / r / Math.sqrt(fanIn);
    conv.weightDelta = (w: Value) => {
      const b = w.b;
      const ba = b.op1('MatMul', [b.op1('Reshape', [bw, b.ints([cout, r])]), b.op1('Reshape', [a, b.ints([r, fanIn])])]);
      return b.op1('Reshape', [b.op1('Mul', [ba, b.scalar(scale)]), b.ints([cout, cin, k, k])]);
    };
    names.push(a.name, bw.name);
  }
  return names;
}

function unknownLayer(path: string, all: StyleLayer[]): never {
  throw new Error(`"${path}" is not a modulated convolution of this generator (it has ${all.map((l) => l.path).join(', ')})`);
}

/**
 * The tuning graph on n pivots and m locality samples in one batch: 'w' [n + m, wDim], 'target'
 * [n + m, 3, R, R] (the images, then the original generator's renderings of the samples), the
 * noises → 'loss' = mean reconstruction at the pivots + locality·mean squared change at the samples.
 */
export function ptiGraph(c: GanConfig, evaluator: ClipConfig, n: number, m: number, o: { rank: number; alpha: number; layers?: readonly string[]; seed: number; weights: ReconstructionWeights; locality: number }) {
  const b = new GraphBuilder('gan-pti');
  const p = new Params(b, { seed: o.seed });
  const g = new Generator(p, 'g', c);
  const lora = attachGanLora(g, p, o);
  const N = n + m;
  const noises = Object.fromEntries(noiseInputs(c).map(({ name, side }) => [name, b.input(name, 'float32', [N, 1, side, side])]));
  const w = b.input('w', 'float32', [N, c.wDim]);
  const image = g.synthesis.forward(g.synthesis.styles(g.broadcast(w)), noises);
  const target = b.input('target', 'float32', [N, c.imageChannels, c.resolution, c.resolution]);
  const part = (x: Value, from: number, to: number) => (from === 0 && to === N ? x : b.op1('Slice', [x, b.ints([from]), b.ints([to]), b.ints([0])]));
  let loss = b.op1('ReduceMean', [reconstructionPerImage(p, evaluator, part(image, 0, n), part(target, 0, n), o.weights)], { keepdims: 0 });
  if (m > 0 && o.locality > 0) {
    const d = b.op1('Sub', [part(image, n, N), part(target, n, N)]);
    loss = b.op1('Add', [loss, b.op1('Mul', [b.op1('ReduceMean', [b.op1('Mul', [d, d])], { keepdims: 0 }), b.scalar(o.locality)])]);
  }
  b.output(loss, 'loss');
  return { graph: b.build() as Graph, p, lora };
}

/** The locality samples: each at `radius` from its pivot (round-robin) towards a mapped w. */
async function localitySamples(model: GanModel, pivot: Tensor, m: number, radius: number | undefined, seed: number): Promise<Tensor> {
  const D = model.config.wDim;
  const n = pivot.shape[0];
  const wz = (await model.sample({ n: m, seed })).data as Float32Array;
  const wp = pivot.data as Float32Array;
  const dist = Array.from({ length: m }, (_, j) => {
    let sq = 0;
    for (let i = 0; i < D; i++) sq += (wz[j * D + i] - wp[(j % n) * D + i]) ** 2;
    return Math.max(Math.sqrt(sq), 1e-8);
  });
  const r = radius ?? dist.reduce((a, b) => a + b, 0) / (2 * m);
  const out = new Float32Array(m * D);
  for (let j = 0; j < m; j++) {
    const k = j % n;
    for (let i = 0; i < D; i++) out[j * D + i] = wp[k * D + i] + (r / dist[j]) * (wz[j * D + i] - wp[k * D + i]);
  }
  return f32([m, D], out);
}

export async function pivotalTuning(model: GanModel, images: Tensor, o: PivotalTuningOptions): Promise<PivotalTuningResult> {
  const c = model.config;
  const n = images.shape[0];
  const seed = o.seed ?? 0;
  const noiseSeed = o.noiseSeed ?? 0;
  const weights = o.weights ?? DEFAULT_RECONSTRUCTION;
  let pivot = o.pivot;
  let pivotLosses: number[] = [];
  if (!pivot) {
    const r = await model.invert('w', images, { steps: o.pivotSteps, lr: o.pivotLr ?? 0.05, seed, noiseSeed, signal: o.signal, onStep: o.onPivotStep, weights: { ...weights, wAvgPull: 1e-3 } });
    pivot = r.value;
    pivotLosses = r.losses;
  } else if (pivot.shape.length !== 2 || pivot.shape[0] !== n || pivot.shape[1] !== c.wDim)
    throw new Error(`the pivots [${pivot.shape}] do not fit: give one w per image, [${n}, ${c.wDim}]`);

  const m = o.locality.weight > 0 ? o.locality.samples : 0;
  const samples = m ? await localitySamples(model, pivot, m, o.locality.radius, seed + 1) : null;
  const { graph, p, lora } = ptiGraph(c, model.evaluator.config, n, m, { rank: o.rank, alpha: o.alpha, layers: o.layers, seed, weights, locality: o.locality.weight });
  const noise = fixedNoise(c, noiseSeed, n + m);
  const target = samples ? concatRows([toSigned(images), await model.render('w', samples, { noise: fixedNoise(c, noiseSeed, m) })]) : toSigned(images);
  const params: Record<string, Tensor> = { ...p.initial({ tag: 'lora' }), ...noise, target, w: samples ? concatRows([pivot, samples]) : pivot, ...towerWeights(p, model.evaluator.weights) };
  if (weights.perceptual > 0) params[TARGET_EMBEDDING] = await model.embedImages(images);
  for (const k of p.names({ without: 'lora' })) if (k.startsWith('g.')) params[k] = model.generator[k];
  const trainer = await Trainer.create({ graph, loss: 'loss', trainable: lora, params, optimizer: new Adam({ lr: o.lr }), backend: model.backend, session: model.sessionOptions });
  const layers = [...new Set(lora.map((k) => k.slice(0, -A.length)))];
  const meta: Record<string, string> = {
    format: LORA_FORMAT,
    family: GAN_LORA_FAMILY,
    pack: model.name,
    generator: model.name,
    rank: String(o.rank),
    alpha: String(o.alpha),
    layers: layers.join(','),
    pivot: JSON.stringify(Array.from(pivot.data as Float32Array)),
  };
  const pivots = pivot;
  try {
    const r = await optimize({
      trainer,
      steps: o.steps,
      batch: () => ({}),
      patience: o.patience,
      signal: o.signal,
      onStep: o.onStep,
      previewEvery: o.previewEvery,
      onPreview: o.onPreview && (async (k, values) => o.onPreview!(k, await applyLora(model, { tensors: values, meta }).synthesize('w', pivots, { noiseSeed }))),
    });
    return { ...r, lora: r.values, meta, pivot, pivotLosses };
  } finally {
    await trainer.release();
  }
}

/** Checks that adapters were made for this generator; returns their rank and alpha. */
export function checkGanLora(model: GanModel, tensors: Record<string, Tensor>, meta: Record<string, string> | undefined): { rank: number; alpha: number } {
  const family = meta?.family;
  if (family !== GAN_LORA_FAMILY) {
    const kind = family ? `a ${family} model` : meta?.unet !== undefined ? 'a diffusion model' : 'another kind of model';
    throw new Error(`this LoRA was made for ${kind}, not for the GAN "${model.name}"`);
  }
  if (meta!.generator !== model.name) throw new Error(`this LoRA was made for the GAN "${meta!.generator}", not "${model.name}"`);
  const rank = Number(meta!.rank);
  const alpha = Number(meta!.alpha);
  if (!(Number.isInteger(rank) && rank > 0) || !(alpha > 0)) throw new Error(`this LoRA has rank "${meta!.rank}" and alpha "${meta!.alpha}"`);
  const convs = new Map(ganLoraLayers(model.config).map((l) => [l.path, l.conv]));
  const adapted = Object.keys(tensors).filter((k) => k.endsWith(A));
  if (!adapted.length) throw new Error('this LoRA holds no adapters');
  for (const k of Object.keys(tensors)) if (!k.endsWith(A) && !k.endsWith(B)) throw new Error(`LoRA tensor "${k}" is not an adapter weight`);
  for (const ka of adapted) {
    const layer = ka.slice(0, -A.length);
    const conv = convs.get(layer);
    if (!conv) throw new Error(`LoRA layer "${layer}" is not a modulated convolution of the GAN "${model.name}": the LoRA was made for another model`);
    const [a, b] = [tensors[ka], tensors[layer + B]];
    if (!b) throw new Error(`LoRA layer "${layer}" has A but no B`);
    const want = { a: [rank, conv.inChannels, conv.kernel, conv.kernel], b: [conv.outChannels, rank, 1, 1] };
    if (a.shape.join() !== want.a.join() || b.shape.join() !== want.b.join())
      throw new Error(`LoRA layer "${layer}" has A [${a.shape}] and B [${b.shape}], but this generator needs [${want.a}] and [${want.b}]: the LoRA was made for another model`);
  }
  return { rank, alpha };
}

/** The generator's weights with adapters merged (W' = W + scale·(α/r)·B·A). */
export function mergeGanLora(model: GanModel, lora: { tensors: Record<string, Tensor>; meta: Record<string, string> }, scale = 1): Record<string, Tensor> {
  const { rank, alpha } = checkGanLora(model, lora.tensors, lora.meta);
  const meta: LoraMeta = { format: LORA_FORMAT, pack: model.name, unet: '', rank, alpha };
  return mergeLoras(model.generator, [{ tensors: lora.tensors, meta, scale }]);
}

/** The model with a LoRA merged in at `scale` (a view sharing the model's sessions). */
export function applyLora(model: GanModel, lora: { tensors: Record<string, Tensor>; meta: Record<string, string> }, scale = 1): GanModel {
  return model.withWeights(mergeGanLora(model, lora, scale));
}

/** The pivots a LoRA's metadata records, [n, wDim]. */
export function pivotOf(model: GanModel, meta: Record<string, string>): Tensor {
  const values = JSON.parse(meta.pivot ?? '[]') as number[];
  const D = model.config.wDim;
  if (!values.length || values.length % D) throw new Error(`this LoRA records no pivot for a ${D}-dimensional W`);
  return f32([values.length / D, D], values);
}
