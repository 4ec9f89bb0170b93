// The objectives of optimization-based inversion, one graph per inversion space, each built from
// the pack's own modules so weight names match the pack's files:
//  - latent:          z → decoder → image, loss ‖image − target‖² (decoder inversion; the GAN
//                      family's Image2StyleGAN, here in the VAE's latent space);
//  - noise:           x_T → K unrolled DDIM steps (η = 0) → x̂₀, loss ‖x̂₀ − target latent‖²;
//  - text-embedding:  one word vector v at the placeholder's positions → text encoder → UNet at a
//                      random timestep, loss ‖ε̂ − ε‖² (Textual Inversion, Gal et al. 2022);
//  - weights (LoRA):  A/B adapters on the UNet under the same denoising loss (DreamBooth with LoRA),
//                      with per-example weights so class images can be mixed in (prior preservation).
// The trained value is always a graph input, so the engine's grad() differentiates it.
import { GraphBuilder, injectLora, mseLoss, Params, type Value } from '../../ml/index.ts';
import type { DiffusionConfig } from '../diffusion/graphs.ts';
import { alphaBar, type NoiseSchedule, samplingTimesteps } from '../diffusion/schedule.ts';
import { TextEncoder } from '../diffusion/text-encoder.ts';
import { UNET_LORA_MATCH, UNet } from '../diffusion/unet.ts';
import { latentSide, type VaeConfig, VaeDecoder } from '../diffusion/vae.ts';

/** Graph for decoder inversion: inputs 'z' (scaled latents), 'target' images in [−1, 1], decoder weights → 'loss'. */
export function latentInversionGraph(vae: VaeConfig, n: number, scale: number) {
  const b = new GraphBuilder('latent-inversion');
  const p = new Params(b, { prefix: 'vae' });
  const dec = new VaeDecoder(p, 'decoder', vae);
  const side = latentSide(vae);
  const z = b.input('z', 'float32', [n, vae.latentChannels, side, side]);
  const target = b.input('target', 'float32', [n, vae.imageChannels, vae.resolution, vae.resolution]);
  const image = dec.forward(b.op1('Mul', [z, b.scalar(1 / scale)]));
  b.output(mseLoss(image, target), 'loss');
  return { graph: b.build(), weights: p.names() };
}

/**
 * Graph for start-noise inversion: inputs 'x' [n, C, S, S] (the noise), 'context' [n, L, D],
 * 'target' (clean scaled latents) and the UNet's weights → 'loss'. The K DDIM steps are the
 * sampler's own (trailing spacing), so a Sampler with DDIM, K steps and guidance 1 regenerates.
 */
export function noiseInversionGraph(config: DiffusionConfig, schedule: NoiseSchedule, n: number, steps: number) {
  const b = new GraphBuilder('noise-inversion');
  const p = new Params(b);
  const unet = new UNet(p, 'unet', config.unet);
  const u = config.unet;
  const shape = [n, u.latentChannels, u.latentSize, u.latentSize];
  let x: Value = b.input('x', 'float32', shape);
  const ctx = b.input('context', 'float32', [n, config.text.maxLength, config.text.dim]);
  const target = b.input('target', 'float32', shape);
  const ts = samplingTimesteps(schedule.steps, steps);
  ts.forEach((t, i) => {
    const prev = i + 1 < ts.length ? ts[i + 1] : -1;
    const [ab, abp] = [alphaBar(schedule, t), alphaBar(schedule, prev)];
    const tt = b.constant({ dtype: 'int64', shape: [n], data: new BigInt64Array(n).fill(BigInt(t)) });
    const eps = unet.forward(x, tt, ctx);
    // x' = √ᾱ'·(x − √(1−ᾱ)·ε̂)/√ᾱ + √(1−ᾱ')·ε̂ = c_x·x + c_e·ε̂
    const cx = Math.sqrt(abp / ab);
    const ce = Math.sqrt(1 - abp) - Math.sqrt(abp) * Math.sqrt(1 - ab) / Math.sqrt(ab);
    x = b.op1('Add', [b.op1('Mul', [x, b.scalar(cx)]), b.op1('Mul', [eps, b.scalar(ce)])]);
  });
  b.output(mseLoss(x, target), 'loss');
  return { graph: b.build(), weights: p.names() };
}

/** Denoising loss from per-example noisy latents: mean(w·(ε̂ − ε)²). */
function denoisingLoss(b: GraphBuilder, eps: Value, noise: Value, weights: Value): Value {
  const d = b.op1('Sub', [eps, noise]);
  return b.op1('ReduceMean', [b.op1('Mul', [b.op1('Mul', [d, d]), weights])], { keepdims: 0 });
}

/**
 * Graph for Textual Inversion: inputs 'embeds' [B, L, D] (the prompts' token embeddings, placeholder
 * rows zeroed), 'mask' [B, L, 1] (1 at the placeholder), 'vector' [1, D] (the learned word),
 * 'noisy', 'timesteps', 'noise', 'weights', and the text encoder's and UNet's weights → 'loss'.
 */
export function textualInversionGraph(config: DiffusionConfig, batch: number) {
  const b = new GraphBuilder('textual-inversion');
  const p = new Params(b);
  const text = new TextEncoder(p, 'text', config.text);
  const unet = new UNet(p, 'unet', config.unet);
  const { maxLength: L, dim: D } = config.text;
  const u = config.unet;
  const shape = [batch, u.latentChannels, u.latentSize, u.latentSize];
  const embeds = b.input('embeds', 'float32', [batch, L, D]);
  const mask = b.input('mask', 'float32', [batch, L, 1]);
  const vector = b.input('vector', 'float32', [1, D]);
  const tokens = b.op1('Add', [embeds, b.op1('Mul', [mask, vector])]);
  const noisy = b.input('noisy', 'float32', shape);
  const t = b.input('timesteps', 'int64', [batch]);
  const noise = b.input('noise', 'float32', shape);
  const weights = b.input('weights', 'float32', [batch, 1, 1, 1]);
  b.output(denoisingLoss(b, unet.forward(noisy, t, text.forward(tokens)), noise, weights), 'loss');
  const graph = b.build();
  // The lookup happens outside (in JS), so the table is no input of this graph.
  graph.inputs = graph.inputs.filter((n) => n !== text.tokenTable.name);
  return { graph, weights: p.names().filter((n) => n !== text.tokenTable.name) };
}

export const LORA_TARGETS = {
  /** Every attention projection and ResBlock conv (the pack's LoRA targets). */
  all: UNET_LORA_MATCH,
  /** Self- and cross-attention projections. */
  attention: /\.attn[12]\.to_(q|k|v|out)$/,
  /** Cross-attention keys and values only, as Custom Diffusion tunes. */
  'cross-attention-kv': /\.attn2\.to_(k|v)$/,
  /** ResBlock convolutions. */
  conv: /\.resnets\.\d+\.conv[12]$/,
} as const;
export type LoraTarget = keyof typeof LORA_TARGETS;

/** Graph for LoRA fine-tuning: inputs 'noisy', 'timesteps', 'context', 'noise', 'weights', UNet weights and adapters → 'loss'. */
export function loraTrainingGraph(config: DiffusionConfig, batch: number, lora: { rank: number; alpha: number; target: LoraTarget; seed: number }) {
  const b = new GraphBuilder('lora-train');
  const p = new Params(b, { seed: lora.seed });
  const unet = new UNet(p, 'unet', config.unet);
  injectLora(unet, { rank: lora.rank, alpha: lora.alpha, match: LORA_TARGETS[lora.target] });
  const u = config.unet;
  const shape = [batch, u.latentChannels, u.latentSize, u.latentSize];
  const noisy = b.input('noisy', 'float32', shape);
  const t = b.input('timesteps', 'int64', [batch]);
  const ctx = b.input('context', 'float32', [batch, config.text.maxLength, config.text.dim]);
  const noise = b.input('noise', 'float32', shape);
  const weights = b.input('weights', 'float32', [batch, 1, 1, 1]);
  b.output(denoisingLoss(b, unet.forward(noisy, t, ctx), noise, weights), 'loss');
  return { graph: b.build(), p };
}
