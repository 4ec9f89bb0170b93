// The pack's autoencoder: a KL-regularized VAE as in latent diffusion (Rombach et al. 2022),
// scaled down for 64×64 emoji. The encoder maps an RGB image in [−1, 1] to the mean and log-variance
// of a diagonal Gaussian over a 4×16×16 latent; the decoder maps a latent back to an image. Residual
// blocks (GroupNorm → SiLU → 3×3 conv, twice, plus a skip) at each resolution, stride-2 convs down,
// nearest upsampling + 3×3 conv up; no attention, which at 16×16 costs more than it gives here.
//
// Latents are RAW (unscaled) at both ends; the denoiser works on mean·scalingFactor, and callers
// divide by the factor before decoding (the manifest stores it; 1/std of the training latents).
import { z } from 'zod';
import { Conv2d, GraphBuilder, GroupNorm, l1Loss, Module, mseLoss, Params, ResBlock, silu, upsampleNearest, type Value } from '../../ml/index.ts';

/** What a module is declared under (ml/nn's Parent; the engine's index does not name it). */
type Parent = Params | Module;

export const vaeConfigSchema = z.object({
  kind: z.literal('kl-vae-v1'),
  resolution: z.number().int().positive().max(2048),
  imageChannels: z.number().int().positive().max(4),
  latentChannels: z.number().int().positive().max(64),
  /** Channels per resolution level, full resolution first; each further level halves the side. */
  channels: z.array(z.number().int().positive().max(2048)).min(1).max(6),
  groups: z.number().int().positive().max(512),
  /** Parameter-init seed. */
  seed: z.number().int(),
});
export type VaeConfig = z.infer<typeof vaeConfigSchema>;

/** The pack's autoencoder: 64×64×3 ↔ 4×16×16, about 0.9 M parameters (3.6 MB in float32). */
export const VAE_CONFIG: VaeConfig = { kind: 'kl-vae-v1', resolution: 64, imageChannels: 3, latentChannels: 4, channels: [32, 64, 96], groups: 8, seed: 1 };

export const latentSide = (c: VaeConfig) => c.resolution / 2 ** (c.channels.length - 1);

/** The logvar is clamped as in latent diffusion, so exp() cannot overflow early in training. */
const LOGVAR_RANGE = [-30, 20] as const;


export class VaeEncoder extends Module {
  conv_in: Conv2d;
  blocks: ResBlock[] = [];
  down: Conv2d[] = [];
  norm_out: GroupNorm;
  conv_out: Conv2d;

  constructor(parent: Parent, name: string, readonly config: VaeConfig) {
    super(parent, name);
    const { channels: ch, groups } = config;
    this.conv_in = new Conv2d(this, 'conv_in', config.imageChannels, ch[0], 3, { padding: 1 });
    ch.forEach((c, i) => {
      this.blocks.push(new ResBlock(this, `block${i}`, c, c, groups));
      if (i + 1 < ch.length) this.down.push(new Conv2d(this, `down${i}`, c, ch[i + 1], 3, { stride: 2, padding: 1 }));
    });
    const last = ch[ch.length - 1];
    this.norm_out = new GroupNorm(this, 'norm_out', groups, last);
    this.conv_out = new Conv2d(this, 'conv_out', last, 2 * config.latentChannels, 3, { padding: 1 });
  }

  /** image [B, 3, H, W] → { mean, logvar } each [B, latentChannels, H/f, W/f]. */
  forward(x: Value): { mean: Value; logvar: Value } {
    return this.scoped(() => {
      let h = this.conv_in.forward(x);
      this.blocks.forEach((blk, i) => {
        h = blk.forward(h);
        if (this.down[i]) h = this.down[i].forward(h);
      });
      const moments = this.conv_out.forward(silu(this.norm_out.forward(h)));
      const [mean, raw] = this.b.op('Split', [moments, this.b.ints([this.config.latentChannels, this.config.latentChannels])], { axis: 1 }, { outputs: 2 });
      const logvar = this.b.op1('Clip', [raw, this.b.scalar(LOGVAR_RANGE[0]), this.b.scalar(LOGVAR_RANGE[1])]);
      return { mean, logvar };
    });
  }
}

export class VaeDecoder extends Module {
  conv_in: Conv2d;
  blocks: ResBlock[] = [];
  up: Conv2d[] = [];
  norm_out: GroupNorm;
  conv_out: Conv2d;

  constructor(parent: Parent, name: string, readonly config: VaeConfig) {
    super(parent, name);
    const ch = [...config.channels].reverse();
    this.conv_in = new Conv2d(this, 'conv_in', config.latentChannels, ch[0], 3, { padding: 1 });
    ch.forEach((c, i) => {
      this.blocks.push(new ResBlock(this, `block${i}`, c, c, config.groups));
      if (i + 1 < ch.length) this.up.push(new Conv2d(this, `up${i}`, c, ch[i + 1], 3, { padding: 1 }));
    });
    const last = ch[ch.length - 1];
    this.norm_out = new GroupNorm(this, 'norm_out', config.groups, last);
    this.conv_out = new Conv2d(this, 'conv_out', last, config.imageChannels, 3, { padding: 1 });
  }

  /** latent [B, latentChannels, h, w] (raw, unscaled) → image [B, 3, h·f, w·f], unclamped. */
  forward(z: Value): Value {
    return this.scoped(() => {
      let h = this.conv_in.forward(z);
      this.blocks.forEach((blk, i) => {
        h = blk.forward(h);
        if (this.up[i]) h = this.up[i].forward(upsampleNearest(h, 2));
      });
      return this.conv_out.forward(silu(this.norm_out.forward(h)));
    });
  }
}

const PREFIX = 'vae';

/** Every weight of the autoencoder (encoder and decoder), declared in a fixed order from the seed. */
export function vaeParams(config: VaeConfig, b = new GraphBuilder('vae-spec')): { p: Params; encoder: VaeEncoder; decoder: VaeDecoder } {
  const p = new Params(b, { seed: config.seed, prefix: PREFIX });
  return { p, encoder: new VaeEncoder(p, 'encoder', config), decoder: new VaeDecoder(p, 'decoder', config) };
}

/** Graph: image [B, 3, R, R] → mean, logvar. Its inputs are the encoder's weights and 'image'. */
export function buildVaeEncode(config: VaeConfig, batch: number) {
  const b = new GraphBuilder('vae-encode');
  const p = new Params(b, { seed: config.seed, prefix: PREFIX });
  const enc = new VaeEncoder(p, 'encoder', config);
  const x = b.input('image', 'float32', [batch, config.imageChannels, config.resolution, config.resolution]);
  const { mean, logvar } = enc.forward(x);
  b.output(mean, 'mean');
  b.output(logvar, 'logvar');
  return { graph: b.build(), params: p };
}

/** Graph: latent [B, 4, r, r] (raw) → image [B, 3, R, R]. Inputs: the decoder's weights and 'latent'. */
export function buildVaeDecode(config: VaeConfig, batch: number) {
  const b = new GraphBuilder('vae-decode');
  const p = new Params(b, { seed: config.seed, prefix: PREFIX });
  // Initial values here differ from vaeParams' (no encoder drew from the Rng first); a decode graph
  // is always fed trained weights, so only names and shapes matter.
  const dec = new VaeDecoder(p, 'decoder', config);
  const side = latentSide(config);
  const z = b.input('latent', 'float32', [batch, config.latentChannels, side, side]);
  b.output(dec.forward(z), 'image');
  return { graph: b.build(), params: p };
}

export interface VaeLossOptions {
  /** Weight of the mean KL per latent element against the mean per-pixel reconstruction error. */
  klWeight: number;
  /** Weight of MSE added to L1 (L1 keeps edges crisp, MSE is what PSNR measures). */
  mseWeight: number;
}

export const VAE_LOSS: VaeLossOptions = { klWeight: 1e-4, mseWeight: 1 };

/**
 * Training graph: inputs the weights, 'image' [B, 3, R, R] in [−1, 1] and 'eps' [B, 4, r, r] ~ N(0, 1);
 * z = mean + exp(logvar/2)·eps (the reparameterization), outputs 'loss', 'rec' (L1), 'mse', 'kl'.
 */
export function buildVaeTraining(config: VaeConfig, batch: number, loss: VaeLossOptions = VAE_LOSS) {
  const b = new GraphBuilder('vae-train');
  const { p, encoder, decoder } = vaeParams(config, b);
  const R = config.resolution;
  const side = latentSide(config);
  const x = b.input('image', 'float32', [batch, config.imageChannels, R, R]);
  const eps = b.input('eps', 'float32', [batch, config.latentChannels, side, side]);
  const { mean, logvar } = encoder.forward(x);
  const std = b.op1('Exp', [b.op1('Mul', [logvar, b.scalar(0.5)])]);
  const z = b.op1('Add', [mean, b.op1('Mul', [std, eps])]);
  const y = decoder.forward(z);
  const rec = l1Loss(y, x);
  const mse = mseLoss(y, x);
  // KL(N(μ, σ²) ‖ N(0, 1)) per element = ½(μ² + σ² − 1 − log σ²), averaged over every latent element.
  const klTerms = b.op1('Sub', [b.op1('Add', [b.op1('Mul', [mean, mean]), b.op1('Exp', [logvar])]), b.op1('Add', [logvar, b.scalar(1)])]);
  const kl = b.op1('Mul', [b.op1('ReduceMean', [klTerms], { keepdims: 0 }), b.scalar(0.5)]);
  const total = b.op1('Add', [b.op1('Add', [rec, b.op1('Mul', [mse, b.scalar(loss.mseWeight)])]), b.op1('Mul', [kl, b.scalar(loss.klWeight)])]);
  b.output(total, 'loss');
  b.output(rec, 'rec');
  b.output(mse, 'mse');
  b.output(kl, 'kl');
  return { graph: b.build(), params: p };
}

/** Graph: image → reconstruction through the posterior MEAN (no sampling), for evaluation. Inputs: all weights, 'image'. */
export function buildVaeReconstruct(config: VaeConfig, batch: number) {
  const b = new GraphBuilder('vae-reconstruct');
  const { p, encoder, decoder } = vaeParams(config, b);
  const x = b.input('image', 'float32', [batch, config.imageChannels, config.resolution, config.resolution]);
  const { mean } = encoder.forward(x);
  b.output(mean, 'mean');
  b.output(decoder.forward(mean), 'image_out');
  return { graph: b.build(), params: p };
}

export const VAE_KIND = VAE_CONFIG.kind;

/** The pack loader's tensor spec for this architecture: every weight name and shape from the config. */
export function vaeWeightShapes(architecture: unknown): Record<string, number[]> {
  const { p } = vaeParams(vaeConfigSchema.parse(architecture));
  return Object.fromEntries(p.names().map((n) => [n, [...p.get(n).init.shape]]));
}
