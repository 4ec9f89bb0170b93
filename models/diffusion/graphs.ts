// The graphs of the text-to-image model, built from one set of modules so every graph shares the
// same weight names ('text.…', 'unet.…'): the text encoder (token embeddings → context), the UNet
// step (latents, timestep, context → ε̂) and the training graph (ids → … → MSE on ε) that trains
// both jointly. Shapes are static, so each graph is built for one batch size.
import { z } from 'zod';
import { GraphBuilder, type Graph, injectLora, Params } from '../../ml/index.ts';
import { TextEncoder, textEncoderConfigSchema } from './text-encoder.ts';
import { UNET_LORA_MATCH, UNet, unetConfigSchema } from './unet.ts';

export const diffusionConfigSchema = z.object({
  text: textEncoderConfigSchema,
  unet: unetConfigSchema,
});
export type DiffusionConfig = z.infer<typeof diffusionConfigSchema>;

export interface BuildOptions {
  /** Seed of the initial weights (the graphs are the same; only Params' initial values differ). */
  seed?: number;
  /** Attach LoRA of this rank to the UNet's attention projections and ResBlock convs. */
  lora?: { rank: number; alpha?: number };
}

const latentShape = (c: DiffusionConfig, batch: number) => [batch, c.unet.latentChannels, c.unet.latentSize, c.unet.latentSize];

/** Inputs 'token_embeds' [B, L, D] + 'text.*' weights → output 'context' [B, L, D]. */
export function textEncoderGraph(config: DiffusionConfig, batch: number): { graph: Graph; p: Params; text: TextEncoder } {
  const b = new GraphBuilder('text-encoder');
  const p = new Params(b);
  const text = new TextEncoder(p, 'text', config.text);
  const { maxLength: L, dim: D } = config.text;
  b.output(text.forward(b.input('token_embeds', 'float32', [batch, L, D])), 'context');
  // The table is a declared weight but this graph starts after the lookup: drop it as an input.
  const graph = b.build();
  graph.inputs = graph.inputs.filter((n) => n !== text.tokenTable.name);
  return { graph, p, text };
}

/**
 * Inputs 'latents', 'timesteps' (int64 [B]), 'context' + 'unet.*' weights (+ LoRA A/B when asked)
 * → output 'eps'. The returned UNet and Params name the LoRA weights (loraNames(p)).
 */
export function unetGraph(config: DiffusionConfig, batch: number, opts: BuildOptions = {}): { graph: Graph; p: Params; unet: UNet } {
  const b = new GraphBuilder('unet');
  const p = new Params(b, { seed: opts.seed ?? 0 });
  const unet = new UNet(p, 'unet', config.unet);
  if (opts.lora) injectLora(unet, { ...opts.lora, match: UNET_LORA_MATCH });
  const { maxLength: L, dim: D } = config.text;
  const x = b.input('latents', 'float32', latentShape(config, batch));
  const t = b.input('timesteps', 'int64', [batch]);
  const ctx = b.input('context', 'float32', [batch, L, D]);
  b.output(unet.forward(x, t, ctx), 'eps');
  return { graph: b.build(), p, unet };
}

/**
 * The joint training graph: ids int64 [B, L] → table lookup → text encoder → UNet on the noisy
 * latents 'noisy' at 'timesteps' → 'loss' = mean('weights'·(ε̂ − 'noise')²). Noising happens outside (in JS),
 * where the schedule lives. Returns the modules too, for the weight names and initial values.
 */
export function trainingGraph(config: DiffusionConfig, batch: number, opts: BuildOptions = {}) {
  const b = new GraphBuilder('t2i-train');
  const p = new Params(b, { seed: opts.seed ?? 0 });
  const text = new TextEncoder(p, 'text', config.text);
  const unet = new UNet(p, 'unet', config.unet);
  const ids = b.input('ids', 'int64', [batch, config.text.maxLength]);
  const noisy = b.input('noisy', 'float32', latentShape(config, batch));
  const t = b.input('timesteps', 'int64', [batch]);
  const noise = b.input('noise', 'float32', latentShape(config, batch));
  // Per-example loss weights (min-SNR weighting, or ones for plain MSE), broadcast over the latent.
  const weights = b.input('weights', 'float32', [batch, 1, 1, 1]);
  const context = text.forward(text.embed(ids));
  const d = b.op1('Sub', [unet.forward(noisy, t, context), noise]);
  b.output(b.op1('ReduceMean', [b.op1('Mul', [b.op1('Mul', [d, d]), weights])], { keepdims: 0 }), 'loss');
  return { graph: b.build(), p, text, unet };
}


/**
 * The UNet alone under the diffusion loss, for fine-tuning with a frozen text encoder (DreamBooth,
 * LoRA): inputs 'noisy', 'timesteps', 'context' (precomputed), 'noise', 'weights' → 'loss'. With
 * `lora`, loraNames(p) are the weights to train.
 */
export function unetTrainingGraph(config: DiffusionConfig, batch: number, opts: BuildOptions = {}) {
  const b = new GraphBuilder('unet-train');
  const p = new Params(b, { seed: opts.seed ?? 0 });
  const unet = new UNet(p, 'unet', config.unet);
  if (opts.lora) injectLora(unet, { ...opts.lora, match: UNET_LORA_MATCH });
  const { maxLength: L, dim: D } = config.text;
  const noisy = b.input('noisy', 'float32', latentShape(config, batch));
  const t = b.input('timesteps', 'int64', [batch]);
  const ctx = b.input('context', 'float32', [batch, L, D]);
  const noise = b.input('noise', 'float32', latentShape(config, batch));
  const weights = b.input('weights', 'float32', [batch, 1, 1, 1]);
  const d = b.op1('Sub', [unet.forward(noisy, t, ctx), noise]);
  b.output(b.op1('ReduceMean', [b.op1('Mul', [b.op1('Mul', [d, d]), weights])], { keepdims: 0 }), 'loss');
  return { graph: b.build(), p, unet };
}
