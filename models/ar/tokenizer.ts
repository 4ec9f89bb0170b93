// The AR family's image tokenizer: a small convolutional autoencoder over the diffusion pack's VAE
// latent (already multiplied by its scaling factor), quantized at half the latent's side, so a
// 4×16×16 latent becomes an 8×8 grid of tokens that a transformer predicts in raster order, and
// the token grid decodes back to a latent that the existing VAE turns into an image.
//
//   encoder: latent [B, 4, 16, 16] → conv 3×3 → res blocks → stride-2 conv → res blocks
//            → GroupNorm, SiLU, 1×1 conv → [B, D, 8, 8] → quantizer (FSQ or VQ)
//   decoder: codes [B, D, 8, 8] → conv 3×3 → res blocks → nearest ×2 + conv → res blocks
//            → GroupNorm, SiLU, conv 3×3 → latent [B, 4, 16, 16]
//
// Three graphs share one set of weight names: training (latent → reconstruction, loss), encode
// (latent → token ids) and decode (token ids → latent).
import { Conv2d, f32, GraphBuilder, GroupNorm, Module, mseLoss, Params, ResBlock, silu, type Tensor, upsampleNearest, type Value } from '../../ml/index.ts';
import { type ArTokenizerConfig, checkTokenizerConfig, codebookSize, codeDim, tokenGrid } from './config.ts';
import { fsqCodebook, fsqIndices, fsqQuantize, type Quantized } from './fsq.ts';
import { VectorQuantizer, type VqQuantized } from './vq.ts';

type Parent = Params | Module;

/** Weight names start with this (the pack component's prefix). */
export const TOKENIZER_PREFIX = 'tok';


export class TokenEncoder extends Module {
  conv_in: Conv2d;
  high: ResBlock[] = [];
  down: Conv2d;
  low: ResBlock[] = [];
  norm_out: GroupNorm;
  conv_out: Conv2d;

  constructor(parent: Parent, name: string, c: ArTokenizerConfig) {
    super(parent, name);
    const [hi, lo] = c.channels;
    this.conv_in = new Conv2d(this, 'conv_in', c.latentChannels, hi, 3, { padding: 1 });
    for (let i = 0; i < c.blocks[0]; i++) this.high.push(new ResBlock(this, `high${i}`, hi, hi, c.groups));
    this.down = new Conv2d(this, 'down', hi, lo, 3, { stride: 2, padding: 1 });
    for (let i = 0; i < c.blocks[1]; i++) this.low.push(new ResBlock(this, `low${i}`, lo, lo, c.groups));
    this.norm_out = new GroupNorm(this, 'norm_out', c.groups, lo);
    this.conv_out = new Conv2d(this, 'conv_out', lo, codeDim(c.quantizer), 1);
  }

  /** latent [B, C, s, s] → pre-quantization code [B, D, s/2, s/2]. */
  forward(x: Value): Value {
    return this.scoped(() => {
      let h = this.conv_in.forward(x);
      for (const blk of this.high) h = blk.forward(h);
      h = this.down.forward(h);
      for (const blk of this.low) h = blk.forward(h);
      return this.conv_out.forward(silu(this.norm_out.forward(h)));
    });
  }
}

export class TokenDecoder extends Module {
  conv_in: Conv2d;
  low: ResBlock[] = [];
  up: Conv2d;
  high: ResBlock[] = [];
  norm_out: GroupNorm;
  conv_out: Conv2d;

  constructor(parent: Parent, name: string, c: ArTokenizerConfig) {
    super(parent, name);
    const [hi, lo] = c.channels;
    this.conv_in = new Conv2d(this, 'conv_in', codeDim(c.quantizer), lo, 3, { padding: 1 });
    for (let i = 0; i < c.blocks[1]; i++) this.low.push(new ResBlock(this, `low${i}`, lo, lo, c.groups));
    this.up = new Conv2d(this, 'up', lo, hi, 3, { padding: 1 });
    for (let i = 0; i < c.blocks[0]; i++) this.high.push(new ResBlock(this, `high${i}`, hi, hi, c.groups));
    this.norm_out = new GroupNorm(this, 'norm_out', c.groups, hi);
    this.conv_out = new Conv2d(this, 'conv_out', hi, c.latentChannels, 3, { padding: 1 });
  }

  /** codes [B, D, s/2, s/2] → latent [B, C, s, s]. */
  forward(codes: Value): Value {
    return this.scoped(() => {
      let h = this.conv_in.forward(codes);
      for (const blk of this.low) h = blk.forward(h);
      h = this.up.forward(upsampleNearest(h, 2));
      for (const blk of this.high) h = blk.forward(h);
      return this.conv_out.forward(silu(this.norm_out.forward(h)));
    });
  }
}

export interface TokenizerModules {
  p: Params;
  encoder: TokenEncoder | null;
  decoder: TokenDecoder | null;
  /** The learned codebook (VQ only; FSQ's grid is fixed). */
  vq: VectorQuantizer | null;
}

/**
 * The weights, declared in a fixed order from the seed (encoder, VQ codebook, decoder). Every weight
 * is a graph input, so the encode and decode graphs declare only their half; their initial values
 * then differ from a full declaration's, which does not matter: they are always fed trained weights.
 */
export function tokenizerModules(c: ArTokenizerConfig, b = new GraphBuilder('ar-tokenizer-spec'), parts: 'all' | 'encode' | 'decode' = 'all'): TokenizerModules {
  checkTokenizerConfig(c);
  const p = new Params(b, { seed: c.seed, prefix: TOKENIZER_PREFIX });
  const encoder = parts === 'decode' ? null : new TokenEncoder(p, 'encoder', c);
  const q = c.quantizer;
  const vq = q.kind === 'vq' ? new VectorQuantizer(p, 'vq', q.codes, q.dim, q.beta) : null;
  const decoder = parts === 'encode' ? null : new TokenDecoder(p, 'decoder', c);
  return { p, encoder, decoder, vq };
}

/** Parameter count of a configuration. */
export const tokenizerParamCount = (c: ArTokenizerConfig) => tokenizerModules(c).p.count();

function quantize(m: TokenizerModules, c: ArTokenizerConfig, z: Value): Quantized | VqQuantized {
  return c.quantizer.kind === 'fsq' ? fsqQuantize(z, c.quantizer.levels) : m.vq!.forward(z);
}

const latentInput = (b: GraphBuilder, c: ArTokenizerConfig, batch: number) => b.input('latent', 'float32', [batch, c.latentChannels, c.latentSide, c.latentSide]);

/**
 * Training graph. Inputs: the weights and 'latent' [B, C, s, s] (scaled). Outputs: 'loss' (latent
 * MSE, plus the codebook and commitment losses for VQ), 'mse', 'indices' [B, T] int64, and for VQ
 * 'codebook' and 'commitment'.
 */
export function tokenizerTrainingGraph(c: ArTokenizerConfig, batch: number) {
  const b = new GraphBuilder('ar-tokenizer-train');
  const m = tokenizerModules(c, b);
  const x = latentInput(b, c, batch);
  const q = quantize(m, c, m.encoder!.forward(x));
  const mse = mseLoss(m.decoder!.forward(q.codes), x);
  let loss = mse;
  if ('codebookLoss' in q) {
    loss = b.op1('Add', [b.op1('Add', [mse, q.codebookLoss]), q.commitmentLoss]);
    b.output(q.codebookLoss, 'codebook');
    b.output(q.commitmentLoss, 'commitment');
  }
  b.output(loss, 'loss');
  b.output(mse, 'mse');
  b.output(q.indices, 'indices');
  return { graph: b.build(), params: m.p };
}

/** Encode graph. Inputs: the encoder's weights (and the VQ codebook), 'latent' [B, C, s, s] (scaled). Output: 'indices' [B, T] int64. */
export function tokenizerEncodeGraph(c: ArTokenizerConfig, batch: number) {
  const b = new GraphBuilder('ar-tokenizer-encode');
  const m = tokenizerModules(c, b, 'encode');
  const z = m.encoder!.forward(latentInput(b, c, batch));
  b.output(c.quantizer.kind === 'fsq' ? fsqIndices(z, c.quantizer.levels) : m.vq!.tokenIds(z), 'indices');
  return { graph: b.build(), params: m.p };
}

/**
 * Decode graph. Inputs: the decoder's weights (and the VQ codebook), 'indices' [B, T] int64 in
 * raster order. Output: 'latent' [B, C, s, s] (scaled: divide by the VAE's factor before its decoder).
 */
export function tokenizerDecodeGraph(c: ArTokenizerConfig, batch: number) {
  const b = new GraphBuilder('ar-tokenizer-decode');
  const m = tokenizerModules(c, b, 'decode');
  const { side, count } = tokenGrid(c);
  const ids = b.input('indices', 'int64', [batch, count]);
  const q = c.quantizer;
  const D = codeDim(q);
  const table = q.kind === 'fsq' ? b.constant(f32([codebookSize(q), D], fsqCodebook(q.levels))) : m.vq!.codebook;
  const rows = b.op1('Gather', [table, ids], { axis: 0 }); // [B, T, D]
  const codes = b.op1('Reshape', [b.op1('Transpose', [rows], { perm: [0, 2, 1] }), b.ints([batch, D, side, side])]);
  b.output(m.decoder!.forward(codes), 'latent');
  return { graph: b.build(), params: m.p };
}

/** The weights a graph takes, picked from a full set (graphs use subsets of the tokenizer's weights). */
export function weightsFor(graph: { inputs: readonly string[] } | { inputNames: readonly string[] }, weights: Record<string, Tensor>): Record<string, Tensor> {
  const names = ('inputs' in graph ? graph.inputs : graph.inputNames).filter((n) => n.startsWith(`${TOKENIZER_PREFIX}.`));
  const missing = names.filter((n) => !weights[n]);
  if (missing.length) throw new Error(`AR tokenizer weights lack ${missing.slice(0, 3).join(', ')}${missing.length > 3 ? ', …' : ''}`);
  return Object.fromEntries(names.map((n) => [n, weights[n]]));
}
