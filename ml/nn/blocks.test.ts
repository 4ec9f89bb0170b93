// Gradient checks of composite blocks, the shapes real diffusion models are made of: a transformer
// block (self-attention + residual + LayerNorm) and a small UNet stage (ResBlock with GroupNorm and
// SiLU, stride-2 downsample, nearest ×2 upsample and a skip Concat).
import { describe, expect, it } from 'vitest';
import { GraphBuilder, type Value } from '../builder.ts';
import { randn, Rng } from '../random.ts';
import type { Tensor } from '../tensor.ts';
import { silu } from './activation.ts';
import { Attention } from './attention.ts';
import { Conv2d } from './conv.ts';
import { concatChannels, upsampleNearest } from './functional.ts';
import { Module, type Parent } from './module.ts';
import { GroupNorm, LayerNorm } from './norm.ts';
import { Params } from './params.ts';
import { gradFailures } from './testing.ts';

class TransformerBlock extends Module {
  attn: Attention;
  norm: LayerNorm;
  constructor(parent: Parent, name: string, dim: number, heads: number) {
    super(parent, name);
    this.attn = new Attention(this, 'attn', dim, { heads });
    this.norm = new LayerNorm(this, 'norm', dim);
  }
  forward(x: Value): Value {
    return this.scoped(() => this.norm.forward(this.b.op1('Add', [x, this.attn.forward(x)])));
  }
}

class ResBlock extends Module {
  conv1: Conv2d;
  norm: GroupNorm;
  conv2: Conv2d;
  skip: Conv2d;
  constructor(parent: Parent, name: string, cin: number, cout: number) {
    super(parent, name);
    this.conv1 = new Conv2d(this, 'conv1', cin, cout, 3, { padding: 1 });
    this.norm = new GroupNorm(this, 'norm', 2, cout);
    this.conv2 = new Conv2d(this, 'conv2', cout, cout, 3, { padding: 1 });
    this.skip = new Conv2d(this, 'skip', cin, cout, 1);
  }
  forward(x: Value): Value {
    return this.scoped(() => {
      const h = this.conv2.forward(silu(this.norm.forward(this.conv1.forward(x))));
      return this.b.op1('Add', [this.skip.forward(x), h]);
    });
  }
}

class UNetStage extends Module {
  res: ResBlock;
  down: Conv2d;
  out: Conv2d;
  constructor(parent: Parent, name: string, c: number) {
    super(parent, name);
    this.res = new ResBlock(this, 'res', c, 4);
    this.down = new Conv2d(this, 'down', 4, 4, 3, { stride: 2, padding: 1 });
    this.out = new Conv2d(this, 'out', 8, c, 3, { padding: 1 });
  }
  forward(x: Value): Value {
    return this.scoped(() => {
      const skip = this.res.forward(x);
      const low = silu(this.down.forward(skip));
      return this.out.forward(concatChannels([upsampleNearest(low, 2), skip]));
    });
  }
}

function weights(p: Params, rng: Rng): Record<string, Tensor> {
  // Random (not initial) values, so that unit norm scales and zero biases hide nothing.
  const out: Record<string, Tensor> = {};
  for (const n of p.names()) out[n] = randn(p.get(n).init.shape, rng, 0.4);
  return out;
}

describe('composite blocks', () => {
  it('transformer block: LayerNorm(x + SelfAttention(x)) differentiates in every weight and the input', async () => {
    const b = new GraphBuilder('tblock');
    const p = new Params(b, { seed: 1 });
    const blk = new TransformerBlock(p, 'blk', 8, 2);
    const x = b.input('x', 'float32', [2, 3, 8]);
    const y = blk.forward(x);
    expect(y.shape).toEqual([2, 3, 8]);
    b.output(y, 'y');
    const rng = new Rng(2);
    const feeds = { ...weights(p, rng), x: randn([2, 3, 8], rng) };
    expect(await gradFailures(b, feeds, [...p.names(), 'x'])).toBe('');
  });

  it('UNet stage: ResBlock → stride-2 down → Resize ×2 → Concat skip → conv differentiates', async () => {
    const b = new GraphBuilder('unet');
    const p = new Params(b, { seed: 3 });
    const stage = new UNetStage(p, 'stage', 3);
    const x = b.input('x', 'float32', [1, 3, 6, 6]);
    const y = stage.forward(x);
    expect(y.shape).toEqual([1, 3, 6, 6]);
    expect(b.graph.nodes.map((n) => n.op)).toEqual(expect.arrayContaining(['Resize', 'Concat', 'InstanceNormalization', 'Sigmoid']));
    b.output(y, 'y');
    const rng = new Rng(4);
    const feeds = { ...weights(p, rng), x: randn([1, 3, 6, 6], rng) };
    expect(await gradFailures(b, feeds, [...p.names(), 'x'], { directions: 2 })).toBe('');
  });
});
