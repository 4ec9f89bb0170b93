// The GAN family's learned encoder: pSp's feature pyramid mapped to W+ (Richardson et al. 2021),
// e4e's split of that code into one base w plus per-layer deltas (Tov et al. 2021), and ReStyle's
// iterative refinement (Alaluf et al. 2021): the encoder sees the target x AND the current
// reconstruction y (6 channels) and returns an OFFSET to the current W+, so pass k corrects what
// pass k−1 got wrong. Pass 1 starts at the mean: W+ = w_avg at every entry, y = G(w_avg).
// The generator runs with the fixed noise of seed 0 in every graph here (the same maps the
// Decoder and the inversions render with by default): an encoder's code then fully decides the
// image, so G(w_avg) is one constant and a code reproduces its reconstruction anywhere.
import { z } from 'zod';
import { Conv2d, f32, GraphBuilder, i64, type Graph, GroupNorm, Linear, Module, Params, ResBlock, silu, type Value } from '../../ml/index.ts';
import { paramShapes } from '../pack/spec.ts';
import type { ClipConfig } from '../evaluator/config.ts';
import { l2normalize } from '../evaluator/clip.ts';
import { ImageTower } from '../evaluator/image-tower.ts';
import { fixedNoise } from './codes.ts';
import { type GanConfig, numWs } from './config.ts';
import { Generator } from './generator.ts';
import { type ReconstructionWeights, reconstructionPerImage } from './perceptual.ts';

export const GAN_ENCODER_KIND = 'gan-encoder-v1';

const pow2 = (r: number) => (r & (r - 1)) === 0;

export const ganEncoderConfigSchema = z
  .object({
    /** Side of the images it reads (the generator's resolution). */
    resolution: z.number().int().min(8).max(256).refine(pow2, 'resolution must be a power of two'),
    imageChannels: z.number().int().min(1).max(4).default(3),
    /** W+ entries and their width: the generator's numWs and wDim. */
    numWs: z.number().int().min(2).max(32),
    wDim: z.number().int().min(1).max(1024),
    /** Backbone channels per stage; stage i works at resolution / 2^(i+1) (64 px: 32, 16, 8, 4). */
    channels: z.array(z.number().int().min(1).max(512)).min(1).max(6).default([32, 64, 128, 192]),
    /** Residual blocks per stage. */
    blocks: z.number().int().min(0).max(4).default(1),
    groups: z.number().int().min(1).max(64).default(8),
    /**
     * Channels each pyramid level is squeezed to before it is flattened, coarse (deepest) first.
     * Flattening keeps WHERE things are, which global pooling would throw away; the squeeze keeps
     * the fully connected layer after it small.
     */
    squeeze: z.array(z.number().int().min(1).max(256)).length(3).default([64, 16, 4]),
    /** Width of each level's hidden vector. */
    hidden: z.number().int().min(1).max(1024).default(256),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (c.resolution >> c.channels.length < 1) ctx.addIssue({ code: 'custom', message: `${c.channels.length} stages halve ${c.resolution} px below one pixel`, path: ['channels'] });
    for (const ch of c.channels) if (ch % c.groups) ctx.addIssue({ code: 'custom', message: `${ch} channels are not divisible into ${c.groups} groups`, path: ['channels'] });
    for (const [k, lvl] of pyramidLevels(c).entries()) {
      const flat = c.squeeze[k] * lvl.side * lvl.side;
      if (flat > 16384) ctx.addIssue({ code: 'custom', message: `level ${k} flattens to ${flat} values (at most 16384)`, path: ['squeeze'] });
    }
  });
export type GanEncoderConfig = z.infer<typeof ganEncoderConfigSchema>;

/** The encoder's config for a generator: its size follows the GAN, the rest is the encoder's own. */
export function encoderConfigFor(gan: GanConfig, own: Partial<Omit<GanEncoderConfig, 'resolution' | 'imageChannels' | 'numWs' | 'wDim'>> = {}): GanEncoderConfig {
  return ganEncoderConfigSchema.parse({ ...own, resolution: gan.resolution, imageChannels: gan.imageChannels, numWs: numWs(gan), wDim: gan.wDim });
}

/** Refuses an encoder trained for another generator, naming both shapes. */
export function checkEncoderFits(e: GanEncoderConfig, g: GanConfig): void {
  const want = [g.resolution, g.imageChannels, numWs(g), g.wDim];
  const have = [e.resolution, e.imageChannels, e.numWs, e.wDim];
  if (want.some((v, i) => v !== have[i]))
    throw new Error(
      `GAN encoder for ${e.resolution}×${e.resolution}×${e.imageChannels} images and W+ [N, ${e.numWs}, ${e.wDim}] does not fit this generator (${g.resolution}×${g.resolution}×${g.imageChannels}, W+ [N, ${numWs(g)}, ${g.wDim}])`,
    );
}

/**
 * W+ entries split into pSp's coarse / medium / fine groups by the resolution of the layers they
 * drive (≤ 8 px, ≤ 32 px, above): entry 0 drives the 4×4 conv, entries 2l−1 and 2l level l, 2l+1
 * its toRGB (and the next level's first conv). Coarse entries read the deepest features.
 */
export function wGroups(nWs: number): number[][] {
  const top = nWs / 2 - 1;
  const groups: number[][] = [[], [], []];
  for (let i = 0; i < nWs; i++) {
    const side = 4 << Math.min(Math.ceil(i / 2), top);
    groups[side <= 8 ? 0 : side <= 32 ? 1 : 2].push(i);
  }
  return groups;
}

/** Pyramid level k (0 coarse, 1 medium, 2 fine) reads stage max(0, S−1−k). */
function pyramidLevels(c: Pick<GanEncoderConfig, 'resolution' | 'channels'>): { stage: number; side: number; channels: number }[] {
  const S = c.channels.length;
  return [0, 1, 2].map((k) => {
    const stage = Math.max(0, S - 1 - k);
    return { stage, side: c.resolution >> (stage + 1), channels: c.channels[stage] };
  });
}

type Parent = Params | Module;

/** A linear layer that starts at zero: an untrained encoder returns ΔW+ = 0 (pass 1 keeps w_avg). */
class ZeroLinear extends Module {
  weight: Value;
  bias: Value;
  constructor(parent: Parent, name: string, inF: number, outF: number) {
    super(parent, name);
    this.weight = this.param('weight', f32([outF, inF]));
    this.bias = this.param('bias', f32([outF]));
  }
  forward(x: Value): Value {
    return this.scoped(() => this.b.op1('Gemm', [x, this.weight, this.bias], { transB: 1 }));
  }
}

/** One pyramid level's map-to-style: squeeze (1×1) → flatten → fully connected → hidden. */
class LevelHead extends Module {
  norm: GroupNorm;
  squeeze: Conv2d;
  fc: Linear;
  constructor(parent: Parent, name: string, ch: number, groups: number, squeeze: number, side: number, hidden: number) {
    super(parent, name);
    this.norm = new GroupNorm(this, 'norm', groups, ch);
    this.squeeze = new Conv2d(this, 'squeeze', ch, squeeze, 1);
    this.fc = new Linear(this, 'fc', squeeze * side * side, hidden);
  }
  forward(x: Value): Value {
    return this.scoped(() => {
      const s = this.squeeze.forward(silu(this.norm.forward(x)));
      const [B, C, H, W] = s.shape;
      return silu(this.fc.forward(this.b.op1('Reshape', [s, this.b.ints([B, C * H * W])])));
    });
  }
}

export interface EncoderOutputs {
  /** ΔW+ [B, numWs, wDim]: the base w at every entry plus that entry's own delta. */
  delta: Value;
  /** The per-entry deltas alone [B, numWs, wDim] (what e4e's regularizer keeps small). */
  layerDeltas: Value;
}

export class GanEncoder extends Module {
  stem: Conv2d;
  stages: Module[][] = [];
  heads: (LevelHead | null)[];
  /** e4e's single w, from the coarse (deepest) level, broadcast to every entry. */
  base: ZeroLinear;
  /** Per group: hidden → that group's entries × wDim. */
  toWs: (ZeroLinear | null)[];
  readonly groups: number[][];

  constructor(parent: Parent, name: string, readonly c: GanEncoderConfig) {
    super(parent, name);
    const { channels, groups: g, blocks, hidden } = c;
    this.stem = new Conv2d(this, 'stem', 2 * c.imageChannels, channels[0], 3, { stride: 2, padding: 1 });
    channels.forEach((ch, i) => {
      const stage: Module[] = [];
      if (i > 0) stage.push(new Conv2d(this, `down${i}`, channels[i - 1], ch, 3, { stride: 2, padding: 1 }));
      for (let k = 0; k < blocks; k++) stage.push(new ResBlock(this, `res${i}_${k}`, ch, ch, g));
      this.stages.push(stage);
    });
    this.groups = wGroups(c.numWs);
    const levels = pyramidLevels(c);
    // The coarse head always exists: the base w reads it.
    this.heads = levels.map((l, k) => (k === 0 || this.groups[k].length ? new LevelHead(this, `head${k}`, l.channels, g, c.squeeze[k], l.side, hidden) : null));
    this.base = new ZeroLinear(this, 'base', hidden, c.wDim);
    this.toWs = this.groups.map((ws, k) => (ws.length ? new ZeroLinear(this, `to_ws${k}`, hidden, ws.length * c.wDim) : null));
  }

  /** target x and current reconstruction y, both [B, C, R, R] in [−1, 1] → ΔW+. */
  forward(x: Value, y: Value): EncoderOutputs {
    const { resolution: R, imageChannels: C, numWs: N, wDim: D } = this.c;
    for (const [what, v] of [['target', x], ['reconstruction', y]] as const)
      if (v.rank !== 4 || v.shape[1] !== C || v.shape[2] !== R || v.shape[3] !== R) throw new Error(`GanEncoder "${this.path}": the ${what} is [${v.shape}], not [B, ${C}, ${R}, ${R}]`);
    return this.scoped(() => {
      const b = this.b;
      const B = x.shape[0];
      let h = this.stem.forward(b.op1('Concat', [x, y], { axis: 1 }));
      const feats: Value[] = [];
      for (const stage of this.stages) {
        for (const m of stage) h = (m as Conv2d | ResBlock).forward(h);
        feats.push(h);
      }
      const levels = pyramidLevels(this.c);
      const hid = this.heads.map((head, k) => head?.forward(feats[levels[k].stage]) ?? null);
      // Entries come out group by group; a Gather puts them back in W+ order.
      const parts = this.toWs.flatMap((lin, k) => (lin ? [b.op1('Reshape', [lin.forward(hid[k]!), b.ints([B, this.groups[k].length, D])])] : []));
      let layerDeltas = parts.length === 1 ? parts[0] : b.op1('Concat', parts, { axis: 1 });
      const order = this.groups.flat();
      if (order.some((e, i) => e !== i)) {
        const inverse = new Array<number>(N);
        order.forEach((e, i) => (inverse[e] = i));
        layerDeltas = b.op1('Gather', [layerDeltas, b.constant(i64([N], inverse))], { axis: 1 });
      }
      const base = b.op1('Reshape', [this.base.forward(hid[0]!), b.ints([B, 1, D])]);
      return { delta: b.op1('Add', [layerDeltas, base]), layerDeltas };
    });
  }
}

/** The architecture entry of a pack: { kind, ...config }. */
export const ganEncoderArchitecture = (c: GanEncoderConfig) => ({ kind: GAN_ENCODER_KIND, ...c });

/** The config inside an architecture entry (kind checked, the rest bounded by the schema). */
export function encoderConfigFromArchitecture(arch: { kind: string } & Record<string, unknown>): GanEncoderConfig {
  if (arch.kind !== GAN_ENCODER_KIND) throw new Error(`GAN encoder architecture kind is "${arch.kind}", not ${GAN_ENCODER_KIND}`);
  const { kind: _kind, ...rest } = arch;
  return ganEncoderConfigSchema.parse(rest);
}

/** Name → shape of every encoder weight: the TensorSpec a pack loader checks encoder.safetensors against. */
export function encoderWeightShapes(arch: { kind: string } & Record<string, unknown>): Record<string, number[]> {
  const p = new Params(new GraphBuilder('gan-encoder-spec'));
  new GanEncoder(p, ENCODER_PREFIX, encoderConfigFromArchitecture(arch));
  return paramShapes(p);
}

/** Encoder weights are named 'encoder.*' (generator 'g.*', evaluator tower 'image.*'). */
export const ENCODER_PREFIX = 'encoder';

/** Graph inputs and outputs of the encoder's graphs. */
export const ENC_IO = {
  target: 'target',
  current: 'current',
  ws: 'ws',
  wsOut: 'ws_out',
  image: 'image_out',
  latentTarget: 'latent_target',
  latentMask: 'latent_mask',
} as const;

function fixedNoises(b: GraphBuilder, gan: GanConfig, batch: number): Record<string, Value> {
  return Object.fromEntries(Object.entries(fixedNoise(gan, 0, batch)).map(([name, t]) => [name, b.constant(t)]));
}

interface PassValues {
  b: GraphBuilder;
  p: Params;
  encoder: GanEncoder;
  target: Value;
  wsOut: Value;
  image: Value;
  layerDeltas: Value;
}

function buildPass(name: string, e: GanEncoderConfig, gan: GanConfig, batch: number, seed: number): PassValues {
  checkEncoderFits(e, gan);
  const b = new GraphBuilder(name);
  const p = new Params(b, { seed });
  const encoder = new GanEncoder(p, ENCODER_PREFIX, e);
  const g = new Generator(p, 'g', gan);
  const img = [batch, e.imageChannels, e.resolution, e.resolution];
  const target = b.input(ENC_IO.target, 'float32', img);
  const current = b.input(ENC_IO.current, 'float32', img);
  const ws = b.input(ENC_IO.ws, 'float32', [batch, e.numWs, e.wDim]);
  const { delta, layerDeltas } = encoder.forward(target, current);
  const wsOut = b.op1('Add', [ws, delta]);
  const image = g.synthesis.forward(g.synthesis.styles(wsOut), fixedNoises(b, gan, batch));
  return { b, p, encoder, target, wsOut, image, layerDeltas };
}

/**
 * One refinement pass: 'target', 'current' (its reconstruction so far) [B, C, R, R] and 'ws' (its
 * code so far) [B, numWs, wDim], with 'encoder.*' and 'g.*' weights → 'ws_out' = ws + E(target,
 * current) and 'image_out' = G(ws_out) (fixed noise). Inference and the trainer's earlier passes.
 */
export function encoderPassGraph(e: GanEncoderConfig, gan: GanConfig, batch: number, seed = 0): { graph: Graph; p: Params } {
  const { b, p, wsOut, image } = buildPass('gan-encoder-pass', e, gan, batch, seed);
  b.output(wsOut, ENC_IO.wsOut);
  b.output(image, ENC_IO.image);
  return { graph: b.build(), p };
}

export interface EncoderLossWeights {
  reconstruction: ReconstructionWeights;
  /** Weight of the mean squared W+ error on images whose code is known (generated ones). */
  latent: number;
  /** e4e's regularizer: weight of the mean squared per-entry delta (0: pSp's free W+). */
  deltaReg: number;
}

/**
 * The training graph: one pass plus its loss. Extra inputs: 'latent_target' [B, numWs, wDim] and
 * 'latent_mask' [B] (1 where the target's code is known), 'target_embedding' [B, embedDim] and the
 * evaluator tower's 'image.*' weights. Outputs 'loss' (scalar), 'reconstruction' and 'latent'
 * [B] per image, 'delta_reg' (scalar).
 */
export function encoderTrainingGraph(e: GanEncoderConfig, gan: GanConfig, evaluator: ClipConfig, batch: number, w: EncoderLossWeights, seed = 0): { graph: Graph; p: Params; encoder: GanEncoder } {
  const { b, p, encoder, target, wsOut, image, layerDeltas } = buildPass('gan-encoder-train', e, gan, batch, seed);
  const mean = (v: Value, axes?: number[]) => b.op1('ReduceMean', [v], axes ? { axes, keepdims: 0 } : { keepdims: 0 });
  const recon = reconstructionPerImage(p, evaluator, image, target, w.reconstruction);
  const latentTarget = b.input(ENC_IO.latentTarget, 'float32', [batch, e.numWs, e.wDim]);
  const mask = b.input(ENC_IO.latentMask, 'float32', [batch]);
  const d = b.op1('Sub', [wsOut, latentTarget]);
  const latent = mean(b.op1('Mul', [d, d]), [1, 2]);
  const perImage = b.op1('Add', [recon, b.op1('Mul', [b.op1('Mul', [latent, mask]), b.scalar(w.latent)])]);
  const reg = mean(b.op1('Mul', [layerDeltas, layerDeltas]));
  b.output(b.op1('Add', [mean(perImage), b.op1('Mul', [reg, b.scalar(w.deltaReg)])]), 'loss');
  b.output(recon, 'reconstruction');
  b.output(b.op1('Mul', [latent, mask]), 'latent');
  b.output(reg, 'delta_reg');
  return { graph: b.build(), p, encoder };
}

/**
 * Generated targets with a known code: 'z' [B, zDim] (+ 'class' one-hot) → 'ws' (the mapped w at
 * every entry, no truncation), 'image' = G(ws) at the fixed noise and, with an evaluator, its
 * normalized embedding 'embedding' (the perceptual term's target).
 */
export function syntheticTargetsGraph(gan: GanConfig, batch: number, evaluator: ClipConfig | null, seed = 0): { graph: Graph; p: Params } {
  const b = new GraphBuilder('gan-encoder-synthetic');
  const p = new Params(b, { seed });
  const g = new Generator(p, 'g', gan);
  const z = b.input('z', 'float32', [batch, gan.zDim]);
  const cls = gan.classes ? b.input('class', 'float32', [batch, gan.classes]) : null;
  const ws = g.broadcast(g.mapping.forward(z, cls));
  const image = g.synthesis.forward(g.synthesis.styles(ws), fixedNoises(b, gan, batch));
  b.output(ws, 'ws');
  b.output(image, 'image');
  if (evaluator) b.output(l2normalize(new ImageTower(p, 'image', evaluator).forward(image).embedding), 'embedding');
  return { graph: b.build(), p };
}

/** G(ws) at the fixed noise: 'ws' [B, numWs, wDim] → 'image' (the start of pass 1 is G(w_avg)). */
export function fixedNoiseGeneratorGraph(gan: GanConfig, batch: number): { graph: Graph; p: Params } {
  const b = new GraphBuilder('gan-generator-fixed-noise');
  const p = new Params(b);
  const g = new Generator(p, 'g', gan);
  const ws = b.input('ws', 'float32', [batch, numWs(gan), gan.wDim]);
  b.output(g.synthesis.forward(g.synthesis.styles(ws), fixedNoises(b, gan, batch)), 'image');
  return { graph: b.build(), p };
}
