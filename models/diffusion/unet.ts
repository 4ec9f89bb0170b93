// The denoiser: a small Stable-Diffusion-style UNet over the VAE's latents. Levels at 16×16, 8×8
// and 4×4; ResBlocks take the timestep embedding; spatial transformers (self-attention,
// cross-attention to the prompt) sit at the levels listed in `attention` and in the middle.
// Whatever the network is trained to output (ε or v, `prediction`), forward() returns ε̂: a
// v-predicting UNet converts in-graph with its own noise schedule, so samplers, DDIM inversion,
// guidance and every personalization loss keep reading ε and never need to know.
import { z } from 'zod';
import { concatChannels, Conv2d, f32, GroupNorm, Linear, Module, silu, type Params, type Value } from '../../ml/index.ts';
import { noiseSchedule, scheduleConfigSchema } from './schedule.ts';
import { Downsample, ResBlock, SpatialTransformer, Upsample } from './unet-blocks.ts';

/** What a module is declared under (ml/nn's Parent, spelled out: the engine's index does not name it). */
type Parent = Params | Module;

export const unetConfigSchema = z.object({
  latentChannels: z.number().int().positive().max(64).default(4),
  latentSize: z.number().int().positive().max(256).default(16),
  /** Channels per level; each level after the first halves the resolution. */
  channels: z.array(z.number().int().positive().max(2048)).min(1).max(6).default([64, 128, 128]),
  /** Whether each level has spatial transformers (the middle always has one). */
  attention: z.array(z.boolean()).min(1).max(6).default([false, true, true]),
  /** ResBlocks per level going down (going up: one more, for the extra skip). */
  layersPerBlock: z.number().int().min(1).max(8).default(1),
  contextDim: z.number().int().positive().max(2048).default(128),
  heads: z.number().int().positive().max(64).default(4),
  groups: z.number().int().positive().max(512).default(16),
  /** Training timesteps T: rows of the sinusoidal table the timestep indexes. */
  timesteps: z.number().int().positive().max(10_000).default(1000),
  /**
   * What the last conv is trained to output: 'epsilon' (the noise) or 'v' = √ᾱ·ε − √(1−ᾱ)·x₀
   * (Salimans & Ho 2022). Packs from before the field are ε-models, hence the default.
   */
  prediction: z.enum(['epsilon', 'v']).default('epsilon'),
  /** The noise schedule the UNet was trained with: samplers use it, and a v-model's ε̂ depends on it. */
  schedule: scheduleConfigSchema.default(() => scheduleConfigSchema.parse({})),
});
export type UNetConfig = z.infer<typeof unetConfigSchema>;

/** One level going down or up: ResBlocks, each optionally followed by a spatial transformer. */
class Level extends Module {
  resnets: ResBlock[] = [];
  attentions: SpatialTransformer[] = [];
  sampler: Downsample | Upsample | null = null;
}

export class UNet extends Module {
  readonly config: UNetConfig;
  time_linear_1: Linear;
  time_linear_2: Linear;
  conv_in: Conv2d;
  down: Level[] = [];
  mid_res1: ResBlock;
  mid_attn: SpatialTransformer;
  mid_res2: ResBlock;
  up: Level[] = [];
  norm_out: GroupNorm;
  conv_out: Conv2d;

  constructor(parent: Parent, name: string, config: Partial<UNetConfig> = {}) {
    super(parent, name);
    const c = (this.config = unetConfigSchema.parse(config));
    const { channels: ch, groups: g, heads, contextDim } = c;
    if (c.attention.length !== ch.length) throw new Error(`UNet: ${ch.length} levels but ${c.attention.length} attention flags`);
    if (c.schedule.steps !== c.timesteps) throw new Error(`UNet: the schedule has ${c.schedule.steps} steps but the timestep table ${c.timesteps} rows`);
    const temb = ch[0] * 4;
    this.time_linear_1 = new Linear(this, 'time_embedding.linear_1', ch[0], temb);
    this.time_linear_2 = new Linear(this, 'time_embedding.linear_2', temb, temb);
    this.conv_in = new Conv2d(this, 'conv_in', c.latentChannels, ch[0], 3, { padding: 1 });

    const skips = [ch[0]];
    let cur = ch[0];
    ch.forEach((out, i) => {
      const lvl = new Level(this, `down_blocks.${i}`);
      for (let j = 0; j < c.layersPerBlock; j++) {
        lvl.resnets.push(new ResBlock(lvl, `resnets.${j}`, cur, out, temb, g));
        if (c.attention[i]) lvl.attentions.push(new SpatialTransformer(lvl, `attentions.${j}`, out, contextDim, heads, g));
        skips.push((cur = out));
      }
      if (i < ch.length - 1) {
        lvl.sampler = new Downsample(lvl, 'downsamplers.0', out);
        skips.push(out);
      }
      this.down.push(lvl);
    });

    this.mid_res1 = new ResBlock(this, 'mid_block.resnets.0', cur, cur, temb, g);
    this.mid_attn = new SpatialTransformer(this, 'mid_block.attentions.0', cur, contextDim, heads, g);
    this.mid_res2 = new ResBlock(this, 'mid_block.resnets.1', cur, cur, temb, g);

    [...ch].reverse().forEach((out, k) => {
      const i = ch.length - 1 - k;
      const lvl = new Level(this, `up_blocks.${k}`);
      for (let j = 0; j <= c.layersPerBlock; j++) {
        lvl.resnets.push(new ResBlock(lvl, `resnets.${j}`, cur + skips.pop()!, out, temb, g));
        if (c.attention[i]) lvl.attentions.push(new SpatialTransformer(lvl, `attentions.${j}`, out, contextDim, heads, g));
        cur = out;
      }
      if (i > 0) lvl.sampler = new Upsample(lvl, 'upsamplers.0', out);
      this.up.push(lvl);
    });

    this.norm_out = new GroupNorm(this, 'conv_norm_out', g, ch[0]);
    this.conv_out = new Conv2d(this, 'conv_out', ch[0], c.latentChannels, 3, { padding: 1 });
  }

  /** latents [B, C, S, S], timesteps int64 [B] in 0…T−1, context [B, L, contextDim] → ε̂ [B, C, S, S] (also for a v-model). */
  forward(latents: Value, timesteps: Value, context: Value): Value {
    const c = this.config;
    if (latents.rank !== 4 || latents.shape[1] !== c.latentChannels || latents.shape[2] !== c.latentSize)
      throw new Error(`UNet "${this.path}": latents [${latents.shape}] are not [B, ${c.latentChannels}, ${c.latentSize}, ${c.latentSize}]`);
    if (timesteps.dtype !== 'int64' || timesteps.rank !== 1) throw new Error(`UNet "${this.path}": timesteps must be int64 [B]`);
    return this.scoped(() => {
      const b = this.b;
      // Sinusoidal features (no Sin/Cos in the op set, so a constant table indexed by the timestep).
      const table = b.constant(sinusoidalTable(c.timesteps, c.channels[0]));
      const feats = b.op1('Gather', [table, timesteps], { axis: 0 });
      const temb = silu(this.time_linear_2.forward(silu(this.time_linear_1.forward(feats))));

      let h = this.conv_in.forward(latents);
      const skips = [h];
      for (const lvl of this.down) {
        lvl.resnets.forEach((r, j) => {
          h = r.forward(h, temb);
          if (lvl.attentions[j]) h = lvl.attentions[j].forward(h, context);
          skips.push(h);
        });
        if (lvl.sampler) skips.push((h = lvl.sampler.forward(h)));
      }
      h = this.mid_res2.forward(this.mid_attn.forward(this.mid_res1.forward(h, temb), context), temb);
      for (const lvl of this.up) {
        lvl.resnets.forEach((r, j) => {
          h = r.forward(concatChannels([h, skips.pop()!]), temb);
          if (lvl.attentions[j]) h = lvl.attentions[j].forward(h, context);
        });
        if (lvl.sampler) h = lvl.sampler.forward(h);
      }
      const out = this.conv_out.forward(silu(this.norm_out.forward(h)));
      return c.prediction === 'v' ? this.epsFromV(out, latents, timesteps) : out;
    });
  }

  /**
   * ε̂ = √ᾱ_t·v̂ + √(1−ᾱ_t)·x_t, exact for x_t = √ᾱ·x₀ + √(1−ᾱ)·ε. The ε-loss of this ε̂ is ᾱ_t times
   * the v-loss, so training on it with min-SNR weights min(SNR, γ)/SNR is training v with
   * min(SNR, γ)/(SNR + 1), the v-form of the same weighting (Hang et al. 2023).
   */
  private epsFromV(v: Value, latents: Value, timesteps: Value): Value {
    const b = this.b;
    const s = noiseSchedule(this.config.schedule);
    const table = (f: (ab: number) => number) => f32([s.steps], Array.from(s.alphasCumprod, f));
    const per = (t: ReturnType<typeof table>) => b.op1('Reshape', [b.op1('Gather', [b.constant(t), timesteps], { axis: 0 }), b.ints([latents.shape[0], 1, 1, 1])]);
    const [a, sig] = [per(table((ab) => Math.sqrt(ab))), per(table((ab) => Math.sqrt(1 - ab)))];
    return b.op1('Add', [b.op1('Mul', [v, a]), b.op1('Mul', [latents, sig])]);
  }
}

/**
 * Which layers take LoRA: the attention projections (to_q/to_k/to_v/to_out of self- and
 * cross-attention) and the ResBlocks' 3×3 convolutions. Pass as `match` to injectLora.
 */
export const UNET_LORA_MATCH = /(\.attn[12]\.to_(q|k|v|out)|\.resnets\.\d+\.conv[12])$/;

/** Timestep features as diffusers computes them (flip_sin_to_cos): [cos(t·f_i), sin(t·f_i)]. */
export function sinusoidalTable(steps: number, dim: number) {
  const half = dim / 2;
  const data = new Float32Array(steps * dim);
  for (let t = 0; t < steps; t++)
    for (let i = 0; i < half; i++) {
      const a = t * Math.exp((-Math.log(10000) * i) / half);
      data[t * dim + i] = Math.cos(a);
      data[t * dim + half + i] = Math.sin(a);
    }
  return f32([steps, dim], data);
}
