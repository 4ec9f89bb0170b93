// The networks `bench:engine` trains, each the twin of one in bench/engine_torch.py (same layers,
// loss and optimizer), so that a step on onnxruntime and a step on PyTorch do the same work.
import { GraphBuilder } from '../ml/builder.ts';
import type { Graph } from '../ml/ir.ts';
import { Conv2d } from '../ml/nn/conv.ts';
import { mseLoss } from '../ml/nn/functional.ts';
import { Params } from '../ml/nn/params.ts';
import { Adam, AdamW } from '../ml/optim/adam.ts';
import { randn, Rng } from '../ml/random.ts';
import { f32, i64, type Tensor } from '../ml/tensor.ts';
import type { Optimizer } from '../ml/train/trainer.ts';
import { configFromArchitectures } from '../models/diffusion/architecture.ts';
import { type DiffusionConfig, trainingGraph, unetTrainingGraph } from '../models/diffusion/graphs.ts';
import { EMOJI_PACK_DIR, readDiffusionManifest } from '../models/pack/write.ts';
import { textualInversionGraph } from '../models/personalize/inversion-graphs.ts';

export type NetName = 'convnet' | 'unet' | 'ti';
export const NET_NAMES: readonly NetName[] = ['convnet', 'unet', 'ti'];

export interface BenchNet {
  name: NetName;
  /** One line saying what a step is. */
  title: string;
  batch: number;
  graph: Graph;
  params: Record<string, Tensor>;
  trainable: string[];
  optimizer: () => Optimizer;
  feeds: Record<string, Tensor>;
  /** FLOPs of one step and one forward pass, where counted analytically (the conv net). */
  flops?: { step: number; forward: number };
  /** Arguments of engine_torch.py for the same net. */
  torchArgs: string[];
}

/** conv3x3 → ReLU → conv3x3 → ReLU → conv3x3, MSE against a target; every conv has a bias. */
export function convNet(n: number, c: number, s: number): BenchNet {
  const b = new GraphBuilder('bench_convnet');
  const p = new Params(b, { seed: 0 });
  const x = b.input('x', 'float32', [n, c, s, s]);
  const target = b.input('target', 'float32', [n, c, s, s]);
  const convs = [0, 1, 2].map((i) => new Conv2d(p, `conv${i}`, c, c, 3, { padding: 1 }));
  let h = convs[0].forward(x);
  h = convs[1].forward(b.op1('Relu', [h]));
  h = convs[2].forward(b.op1('Relu', [h]));
  b.output(mseLoss(h, target), 'loss');
  const rng = new Rng(1);
  // FLOPs counted analytically: 2 per multiply-add of the convolutions. Forward is 3 convs; backward
  // is a weight gradient for each conv plus an input gradient for the last two (the input needs
  // none). Element-wise work (ReLU, bias, loss, Adam) is under 1% and left out.
  const conv = 2 * n * c * s * s * c * 9;
  return {
    name: 'convnet',
    title: `conv3x3 → ReLU → conv3x3 → ReLU → conv3x3 (${c} channels), MSE, Adam; batch ${n}, ${s}x${s}`,
    batch: n,
    graph: b.build(),
    params: p.initial(),
    trainable: p.names(),
    optimizer: () => new Adam({ lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8 }),
    feeds: { x: randn([n, c, s, s], rng), target: randn([n, c, s, s], rng) },
    flops: { forward: 3 * conv, step: (3 + 3 + 2) * conv },
    torchArgs: ['--net', 'convnet', '--batch', String(n), '--channels', String(c), '--size', String(s)],
  };
}

/** The diffusion architecture of a pack folder (by default the built-in pack), from its manifest. */
export function packConfig(dir = EMOJI_PACK_DIR): DiffusionConfig {
  const m = readDiffusionManifest(dir);
  const [text, unet] = [m?.components.textEncoder, m?.components.unet];
  if (!text || !unet) throw new Error(`bench:engine: no trained text encoder and UNet in ${dir}`);
  return configFromArchitectures(text.architecture, unet.architecture);
}

/** The architecture as engine_torch.py's --arch reads it, so PyTorch builds the same network. */
function torchArch(c: DiffusionConfig): string {
  const u = c.unet;
  const schedule = u.schedule ?? { kind: 'scaled-linear', steps: u.timesteps, betaStart: 0.00085, betaEnd: 0.012 };
  if (schedule.kind !== 'scaled-linear') throw new Error(`bench:engine: engine_torch.py knows the scaled-linear schedule, not ${schedule.kind}`);
  return JSON.stringify({
    latent_channels: u.latentChannels,
    latent_size: u.latentSize,
    channels: u.channels,
    attention: u.attention,
    layers_per_block: u.layersPerBlock,
    context_dim: u.contextDim,
    heads: u.heads,
    groups: u.groups,
    timesteps: u.timesteps,
    prediction: u.prediction,
    beta_start: schedule.betaStart,
    beta_end: schedule.betaEnd,
    max_length: c.text.maxLength,
    text_dim: c.text.dim,
    text_layers: c.text.layers,
    text_heads: c.text.heads,
    text_mlp: c.text.mlpRatio,
  });
}

function denoisingFeeds(c: DiffusionConfig, n: number, rng: Rng): Record<string, Tensor> {
  const u = c.unet;
  const shape = [n, u.latentChannels, u.latentSize, u.latentSize];
  return {
    noisy: randn(shape, rng),
    noise: randn(shape, rng),
    timesteps: i64([n], Array.from({ length: n }, () => rng.int(u.timesteps))),
    weights: f32([n, 1, 1, 1], new Array<number>(n).fill(1)),
  };
}

/** Every weight of the pack's UNet under the diffusion loss, context fed: the denoiser's step. */
export function unetNet(n: number, config: DiffusionConfig): BenchNet {
  const { graph, p } = unetTrainingGraph(config, n, { seed: 0 });
  const rng = new Rng(1);
  const { maxLength: L, dim: D } = config.text;
  return {
    name: 'unet',
    title: `the pack's UNet (${p.count()} weights; group norm, self- and cross-attention, up/down sampling), diffusion loss, AdamW; batch ${n}, 4x16x16 latents`,
    batch: n,
    graph,
    params: p.initial(),
    trainable: p.names(),
    optimizer: () => new AdamW({ lr: 1e-4, weightDecay: 0.01 }),
    feeds: { ...denoisingFeeds(config, n, rng), context: randn([n, L, D], rng) },
    torchArgs: ['--net', 'unet', '--batch', String(n), '--arch', torchArch(config)],
  };
}

/** Textual Inversion: one word vector through the frozen text encoder and UNet, Adam on the vector. */
export function tiNet(n: number, config: DiffusionConfig): BenchNet {
  const { graph, weights } = textualInversionGraph(config, n);
  // The frozen weights' values: any will do for timing, so the modules' initial ones.
  const init = trainingGraph(config, 1, { seed: 0 }).p.initial();
  const rng = new Rng(1);
  const { maxLength: L, dim: D } = config.text;
  const params: Record<string, Tensor> = { vector: randn([1, D], rng, 0.02) };
  for (const w of weights) params[w] = init[w];
  const mask = new Float32Array(n * L);
  for (let k = 0; k < n; k++) mask[k * L + 1] = 1;
  return {
    name: 'ti',
    title: `Textual Inversion: one word vector through the frozen text encoder and UNet, Adam; batch ${n}`,
    batch: n,
    graph,
    params,
    trainable: ['vector'],
    optimizer: () => new Adam({ lr: 5e-3 }),
    feeds: { ...denoisingFeeds(config, n, rng), embeds: randn([n, L, D], rng, 0.02), mask: f32([n, L, 1], mask) },
    torchArgs: ['--net', 'ti', '--batch', String(n), '--arch', torchArch(config)],
  };
}
