// The learned concept encoder (in the spirit of ELITE and IP-Adapter's image prompt): a small conv
// net over the VAE latent of a concept's image that outputs ONE word embedding of the text encoder,
// to be bound to a placeholder (S*). It is trained once, on held-in concepts only, through the frozen
// text encoder and UNet under the ordinary denoising loss (concept-encoder.train.ts), so at use time
// it inverts an image into text space in one forward pass, with no per-concept optimization.
// Reading latents (not pixels) keeps it tiny and reuses the autoencoder every pack already has.
import { z } from 'zod';
import { Conv2d, GraphBuilder, GroupNorm, Linear, Module, Params, silu, type Value } from '../../ml/index.ts';
import type { DiffusionConfig } from '../diffusion/graphs.ts';
import { TextEncoder } from '../diffusion/text-encoder.ts';
import { UNet } from '../diffusion/unet.ts';
import { paramShapes } from '../pack/spec.ts';

type Parent = Params | Module;

export const CONCEPT_ENCODER_KIND = 'concept-encoder-v1';

export const conceptEncoderConfigSchema = z.object({
  latentChannels: z.number().int().positive().max(64).default(4),
  latentSize: z.number().int().positive().max(256).default(16),
  /** Channels of the conv stages; each stage after the first halves the side. */
  channels: z.array(z.number().int().positive().max(2048)).min(1).max(8).default([64, 96, 128]),
  groups: z.number().int().positive().max(512).default(8),
  hidden: z.number().int().positive().max(8192).default(256),
  /** The text encoder's token dimension: what the output must match. */
  embedDim: z.number().int().positive().max(2048),
});
export type ConceptEncoderConfig = z.infer<typeof conceptEncoderConfigSchema>;

export class ConceptEncoder extends Module {
  stages: { conv: Conv2d; norm: GroupNorm }[] = [];
  fc1: Linear;
  fc2: Linear;

  constructor(parent: Parent, name: string, readonly config: ConceptEncoderConfig) {
    super(parent, name);
    let cin = config.latentChannels;
    config.channels.forEach((c, i) => {
      const conv = new Conv2d(this, `stages.${i}.conv`, cin, c, 3, { padding: 1, stride: i === 0 ? 1 : 2 });
      this.stages.push({ conv, norm: new GroupNorm(this, `stages.${i}.norm`, config.groups, c) });
      cin = c;
    });
    this.fc1 = new Linear(this, 'fc1', cin, config.hidden);
    this.fc2 = new Linear(this, 'fc2', config.hidden, config.embedDim);
  }

  /** latents [B, C, S, S] (scaled, as the denoiser sees them) → embeddings [B, embedDim]. */
  forward(latents: Value): Value {
    return this.scoped(() => {
      let h = latents;
      for (const s of this.stages) h = silu(s.norm.forward(s.conv.forward(h)));
      const pooled = this.b.op1('ReduceMean', [h], { axes: [2, 3], keepdims: 0 });
      return this.fc2.forward(silu(this.fc1.forward(pooled)));
    });
  }
}

const PREFIX = 'concept';

/** Graph: 'latents' [B, C, S, S] → 'embedding' [B, D]; inputs are the 'concept.*' weights too. */
export function conceptEncoderGraph(config: ConceptEncoderConfig, batch: number, seed = 0) {
  const b = new GraphBuilder('concept-encoder');
  const p = new Params(b, { seed, prefix: PREFIX });
  const enc = new ConceptEncoder(p, 'encoder', config);
  const x = b.input('latents', 'float32', [batch, config.latentChannels, config.latentSize, config.latentSize]);
  b.output(enc.forward(x), 'embedding');
  return { graph: b.build(), p, encoder: enc };
}

export const conceptEncoderArchitecture = (c: ConceptEncoderConfig) => ({ kind: CONCEPT_ENCODER_KIND, ...c });

export function conceptEncoderConfigFrom(arch: { kind: string } & Record<string, unknown>): ConceptEncoderConfig {
  if (arch.kind !== CONCEPT_ENCODER_KIND) throw new Error(`concept encoder kind is "${arch.kind}", not ${CONCEPT_ENCODER_KIND}`);
  const { kind: _k, ...rest } = arch;
  return conceptEncoderConfigSchema.parse(rest);
}

export const conceptEncoderWeightShapes = (arch: { kind: string } & Record<string, unknown>) =>
  paramShapes(conceptEncoderGraph(conceptEncoderConfigFrom(arch), 1).p);

/**
 * The encoder's training graph (ELITE-style): 'latents' (clean, scaled) → encoder → v [B, D], placed
 * at the placeholder positions ('mask' [B, L, 1]) of the template's token embeddings ('embeds',
 * placeholder rows zeroed) → frozen text encoder → frozen UNet on 'noisy' at 'timesteps' → 'loss' =
 * mean((ε̂ − 'noise')²) + 'reg'·mean(v²) (keeps v at the scale of real words). Inputs also: the
 * 'text.*' weights (table excluded) and 'unet.*' weights; `trainable` are the 'concept.*' ones.
 */
export function conceptTrainingGraph(config: ConceptEncoderConfig, diffusion: DiffusionConfig, batch: number, seed = 0) {
  const b = new GraphBuilder('concept-encoder-train');
  const p = new Params(b, { seed });
  const enc = new ConceptEncoder(p, `${PREFIX}.encoder`, config);
  const text = new TextEncoder(p, 'text', diffusion.text);
  const unet = new UNet(p, 'unet', diffusion.unet);
  const { maxLength: L, dim: D } = diffusion.text;
  const u = diffusion.unet;
  const shape = [batch, u.latentChannels, u.latentSize, u.latentSize];
  const v = enc.forward(b.input('latents', 'float32', [batch, config.latentChannels, config.latentSize, config.latentSize]));
  const embeds = b.input('embeds', 'float32', [batch, L, D]);
  const mask = b.input('mask', 'float32', [batch, L, 1]);
  const tokens = b.op1('Add', [embeds, b.op1('Mul', [mask, b.op1('Reshape', [v, b.ints([batch, 1, D])])])]);
  const noisy = b.input('noisy', 'float32', shape);
  const t = b.input('timesteps', 'int64', [batch]);
  const noise = b.input('noise', 'float32', shape);
  const reg = b.input('reg', 'float32', []);
  const d = b.op1('Sub', [unet.forward(noisy, t, text.forward(tokens)), noise]);
  const mse = b.op1('ReduceMean', [b.op1('Mul', [d, d])], { keepdims: 0 });
  const norm = b.op1('ReduceMean', [b.op1('Mul', [v, v])], { keepdims: 0 });
  b.output(b.op1('Add', [mse, b.op1('Mul', [norm, reg])]), 'loss');
  b.output(mse, 'mse');
  const graph = b.build();
  // The lookup happens outside (in JS), so the table is no input of this graph.
  graph.inputs = graph.inputs.filter((n) => n !== text.tokenTable.name);
  const names = p.names().filter((n) => n !== text.tokenTable.name);
  return { graph, p, trainable: names.filter((n) => n.startsWith(`${PREFIX}.`)), frozen: names.filter((n) => !n.startsWith(`${PREFIX}.`)) };
}
