import { describe, expect, it } from 'vitest';
import { GraphBuilder } from '../builder.ts';
import { Attention } from './attention.ts';
import { Conv2d } from './conv.ts';
import { Linear } from './linear.ts';
import { baseNames, injectLora, loraNames } from './lora.ts';
import { Module, type Parent } from './module.ts';
import { GroupNorm } from './norm.ts';
import { Params } from './params.ts';

class Block extends Module {
  conv1: Conv2d;
  norm: GroupNorm;
  layers: Linear[];
  attn: Attention;
  constructor(parent: Parent, name: string) {
    super(parent, name);
    this.conv1 = new Conv2d(this, 'conv1', 4, 8, 3, { padding: 1 });
    this.norm = new GroupNorm(this, 'norm', 2, 8);
    this.layers = [new Linear(this, 'layers.0', 8, 8), new Linear(this, 'layers.1', 8, 8, { bias: false })];
    this.attn = new Attention(this, 'attn', 8, { heads: 2 });
  }
}

describe('Params', () => {
  it('names weights by dotted module path and declares them as inputs, not initializers', () => {
    const b = new GraphBuilder('m');
    const p = new Params(b, { seed: 1, prefix: 'unet' });
    new Block(p, 'down');
    expect(p.names()).toEqual([
      'unet.down.conv1.weight',
      'unet.down.conv1.bias',
      'unet.down.norm.weight',
      'unet.down.norm.bias',
      'unet.down.layers.0.weight',
      'unet.down.layers.0.bias',
      'unet.down.layers.1.weight',
      'unet.down.attn.to_q.weight',
      'unet.down.attn.to_k.weight',
      'unet.down.attn.to_v.weight',
      'unet.down.attn.to_out.weight',
      'unet.down.attn.to_out.bias',
    ]);
    const g = b.build();
    for (const n of p.names()) {
      expect(g.inputs).toContain(n);
      expect(g.initializers.has(n)).toBe(false);
    }
    expect(p.get('unet.down.conv1.weight').init.shape).toEqual([8, 4, 3, 3]);
    // conv1, norm, layers.0, layers.1, four attention projections and to_out's bias.
    expect(p.count()).toBe(8 * 4 * 9 + 8 + 16 + (64 + 8) + 64 + 4 * 64 + 8);
  });

  it('hands out copies of the initial values, reproducibly from the seed', () => {
    const make = (seed: number) => {
      const p = new Params(new GraphBuilder(), { seed });
      new Linear(p, 'fc', 5, 3);
      return p;
    };
    const p = make(7);
    const a = p.initial();
    (a['fc.weight'].data as Float32Array)[0] = 123;
    expect((p.initial()['fc.weight'].data as Float32Array)[0]).not.toBe(123);
    expect(Array.from(make(7).initial()['fc.weight'].data as Float32Array)).toEqual(Array.from(p.initial()['fc.weight'].data as Float32Array));
    expect(Array.from(make(8).initial()['fc.weight'].data as Float32Array)).not.toEqual(Array.from(p.initial()['fc.weight'].data as Float32Array));
  });

  it('initializes Linear/Conv like PyTorch: U(±1/√fan_in), spread over the whole range', () => {
    const p = new Params(new GraphBuilder(), { seed: 3 });
    new Linear(p, 'fc', 64, 32);
    new Conv2d(p, 'conv', 8, 16, 3, { groups: 2 });
    const check = (name: string, fanIn: number) => {
      const d = p.get(name).init.data as Float32Array;
      const bound = 1 / Math.sqrt(fanIn);
      let max = 0;
      let sumSq = 0;
      for (const v of d) {
        max = Math.max(max, Math.abs(v));
        sumSq += v * v;
      }
      expect(max).toBeLessThanOrEqual(bound);
      if (d.length < 500) return; // too few draws for the statistics below
      expect(max).toBeGreaterThan(0.98 * bound);
      // Variance of U(−a, a) is a²/3.
      expect(sumSq / d.length / ((bound * bound) / 3)).toBeCloseTo(1, 1);
    };
    check('fc.weight', 64);
    check('conv.weight', 4 * 9);
    check('conv.bias', 4 * 9);
  });

  it('refuses a name declared twice', () => {
    const p = new Params(new GraphBuilder());
    new Linear(p, 'fc', 2, 2);
    expect(() => new Linear(p, 'fc', 2, 2)).toThrow(/declared twice/);
  });
});

describe('injectLora', () => {
  it('adds PEFT-named A/B weights to matching layers only, tagged apart from the base', () => {
    const b = new GraphBuilder('m');
    const p = new Params(b, { seed: 1 });
    const block = new Block(p, 'blk');
    const done = injectLora(block, { rank: 2, alpha: 4, match: /attn\.to_[qv]$|conv1$/ });
    expect(done).toEqual(['blk.conv1', 'blk.attn.to_q', 'blk.attn.to_v']);
    expect(loraNames(p)).toEqual([
      'blk.conv1.lora_A.weight',
      'blk.conv1.lora_B.weight',
      'blk.attn.to_q.lora_A.weight',
      'blk.attn.to_q.lora_B.weight',
      'blk.attn.to_v.lora_A.weight',
      'blk.attn.to_v.lora_B.weight',
    ]);
    expect(p.get('blk.conv1.lora_A.weight').init.shape).toEqual([2, 4, 3, 3]);
    expect(p.get('blk.conv1.lora_B.weight').init.shape).toEqual([8, 2, 1, 1]);
    expect(p.get('blk.attn.to_q.lora_A.weight').init.shape).toEqual([2, 8]);
    expect(p.get('blk.attn.to_q.lora_B.weight').init.shape).toEqual([8, 2]);
    // B starts at zero (the adapted model equals the base); A does not.
    expect((p.get('blk.attn.to_q.lora_B.weight').init.data as Float32Array).every((v) => v === 0)).toBe(true);
    expect((p.get('blk.attn.to_q.lora_A.weight').init.data as Float32Array).some((v) => v !== 0)).toBe(true);
    const base = baseNames(p);
    expect(base.length + loraNames(p).length).toBe(p.names().length);
    expect(base.some((n) => n.includes('lora'))).toBe(false);
    // A second injection finds nothing new to adapt.
    expect(() => injectLora(block, { rank: 2, match: /attn\.to_[qv]$/ })).toThrow(/no layer/);
  });
});
