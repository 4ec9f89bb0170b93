// Each module against a plain-JS reference of what PyTorch computes, then finite-difference
// gradient checks of its weights and inputs. Sizes are tiny: the point is the math, not speed.
import { describe, expect, it } from 'vitest';
import { GraphBuilder, type Value } from '../builder.ts';
import { randn, Rng } from '../random.ts';
import { i64, type Tensor } from '../tensor.ts';
import { gelu, silu } from './activation.ts';
import { Attention } from './attention.ts';
import { Conv2d, ConvTranspose2d } from './conv.ts';
import { Embedding } from './embedding.ts';
import { Linear } from './linear.ts';
import { addLora, injectLora, loraAdapters, mergeLora } from './lora.ts';
import { Module, type Parent } from './module.ts';
import { GroupNorm, LayerNorm } from './norm.ts';
import { Params } from './params.ts';
import { gradFailures, run } from './testing.ts';

const data = (t: Tensor) => t.data as Float32Array;

function setup(seed = 1) {
  const b = new GraphBuilder('m');
  return { b, p: new Params(b, { seed }), rng: new Rng(seed + 100) };
}

/** Random values for every weight, so zero-initialized biases and LoRA B do not hide mistakes. */
function randomWeights(p: Params, rng: Rng, scale = 0.5): Record<string, Tensor> {
  const out: Record<string, Tensor> = {};
  for (const n of p.names()) out[n] = randn(p.get(n).init.shape, rng, scale);
  return out;
}

function expectClose(actual: Float32Array, expected: ArrayLike<number>, tol = 1e-4) {
  expect(actual.length).toBe(expected.length);
  let worst = 0;
  for (let i = 0; i < actual.length; i++) worst = Math.max(worst, Math.abs(actual[i] - expected[i]) / (1 + Math.abs(expected[i])));
  expect(worst).toBeLessThan(tol);
}

/** y[i, o] = Σ_k x[i, k]·w[o, k] + bias[o]: PyTorch's F.linear on [rows, in]. */
function refLinear(x: ArrayLike<number>, rows: number, w: ArrayLike<number>, out: number, inF: number, bias?: ArrayLike<number>) {
  const y = new Float64Array(rows * out);
  for (let i = 0; i < rows; i++)
    for (let o = 0; o < out; o++) {
      let s = bias ? bias[o] : 0;
      for (let k = 0; k < inF; k++) s += x[i * inF + k] * w[o * inF + k];
      y[i * out + o] = s;
    }
  return y;
}

/** Direct NCHW convolution with PyTorch's stride/padding/dilation/groups semantics. */
function refConv(
  x: Float32Array, [N, C, H, W]: number[], w: Float32Array, [O, Cg, KH, KW]: number[],
  bias: Float32Array | null, s: number, pad: number, dil: number, groups: number,
) {
  const OH = Math.floor((H + 2 * pad - dil * (KH - 1) - 1) / s) + 1;
  const OW = Math.floor((W + 2 * pad - dil * (KW - 1) - 1) / s) + 1;
  const y = new Float64Array(N * O * OH * OW);
  const Og = O / groups;
  for (let n = 0; n < N; n++)
    for (let o = 0; o < O; o++)
      for (let i = 0; i < OH; i++)
        for (let j = 0; j < OW; j++) {
          let acc = bias ? bias[o] : 0;
          const g = Math.floor(o / Og);
          for (let c = 0; c < Cg; c++)
            for (let u = 0; u < KH; u++)
              for (let v = 0; v < KW; v++) {
                const hi = i * s - pad + u * dil;
                const wi = j * s - pad + v * dil;
                if (hi < 0 || hi >= H || wi < 0 || wi >= W) continue;
                acc += x[((n * C + g * Cg + c) * H + hi) * W + wi] * w[((o * Cg + c) * KH + u) * KW + v];
              }
          y[((n * O + o) * OH + i) * OW + j] = acc;
        }
  return { y, shape: [N, O, OH, OW] };
}

describe('Linear', () => {
  it('matches x·Wᵀ + b for rank-2 (Gemm) and rank-3 (MatMul) inputs, and differentiates', async () => {
    const { b, p, rng } = setup();
    const fc = new Linear(p, 'fc', 5, 3);
    const nb = new Linear(p, 'nb', 5, 4, { bias: false });
    const x2 = b.input('x2', 'float32', [4, 5]);
    const x3 = b.input('x3', 'float32', [2, 3, 5]);
    b.output(fc.forward(x2), 'y2');
    b.output(nb.forward(x3), 'y3');
    expect(b.graph.nodes.some((n) => n.op === 'Gemm')).toBe(true);
    const feeds: Record<string, Tensor> = { ...randomWeights(p, rng), x2: randn([4, 5], rng), x3: randn([2, 3, 5], rng) };
    const out = await run(b, feeds);
    expect(out.y2.shape).toEqual([4, 3]);
    expect(out.y3.shape).toEqual([2, 3, 4]);
    expectClose(data(out.y2), refLinear(data(feeds.x2), 4, data(feeds['fc.weight']), 3, 5, data(feeds['fc.bias'])));
    expectClose(data(out.y3), refLinear(data(feeds.x3), 6, data(feeds['nb.weight']), 4, 5));
    expect(await gradFailures(b, feeds, ['fc.weight', 'fc.bias', 'x2'])).toBe('');
  });

  it('checks the feature size at build time', () => {
    const { b, p } = setup();
    const fc = new Linear(p, 'fc', 5, 3);
    expect(() => fc.forward(b.input('x', 'float32', [2, 4]))).toThrow(/5 features/);
  });
});

describe('Conv2d', () => {
  it('matches a direct convolution with stride, padding, dilation and groups, and differentiates', async () => {
    const { b, p, rng } = setup(2);
    const conv = new Conv2d(p, 'conv', 4, 6, 3, { stride: 2, padding: 2, dilation: 2, groups: 2 });
    const x = b.input('x', 'float32', [2, 4, 7, 6]);
    b.output(conv.forward(x), 'y');
    const feeds: Record<string, Tensor> = { ...randomWeights(p, rng), x: randn([2, 4, 7, 6], rng) };
    const out = await run(b, feeds);
    const ref = refConv(data(feeds.x), [2, 4, 7, 6], data(feeds['conv.weight']), [6, 2, 3, 3], data(feeds['conv.bias']), 2, 2, 2, 2);
    expect(out.y.shape).toEqual(ref.shape);
    expectClose(data(out.y), ref.y);
    expect(await gradFailures(b, feeds, ['conv.weight', 'conv.bias', 'x'])).toBe('');
  });

  it('ConvTranspose2d doubles the resolution with k=4, s=2, p=1 and differentiates', async () => {
    const { b, p, rng } = setup(3);
    const up = new ConvTranspose2d(p, 'up', 3, 2, 4, { stride: 2, padding: 1 });
    expect(p.get('up.weight').init.shape).toEqual([3, 2, 4, 4]);
    const x = b.input('x', 'float32', [1, 3, 3, 3]);
    const y = up.forward(x);
    expect(y.shape).toEqual([1, 2, 6, 6]);
    b.output(y, 'y');
    const feeds: Record<string, Tensor> = { ...randomWeights(p, rng), x: randn([1, 3, 3, 3], rng) };
    expect(await gradFailures(b, feeds, ['up.weight', 'up.bias', 'x'])).toBe('');
  });
});

describe('GroupNorm', () => {
  const shape = [2, 6, 3, 4];
  /** PyTorch's GroupNorm: per (sample, group) standardization, then per-channel γ, β. */
  function ref(x: Float32Array, G: number, gamma: Float32Array, beta: Float32Array, eps = 1e-5) {
    const [N, C, H, W] = shape;
    const per = (C / G) * H * W;
    const y = new Float64Array(x.length);
    for (let n = 0; n < N; n++)
      for (let g = 0; g < G; g++) {
        const off = (n * G + g) * per;
        let m = 0;
        for (let i = 0; i < per; i++) m += x[off + i];
        m /= per;
        let v = 0;
        for (let i = 0; i < per; i++) v += (x[off + i] - m) ** 2;
        v /= per;
        for (let i = 0; i < per; i++) {
          const c = g * (C / G) + Math.floor(i / (H * W));
          y[off + i] = ((x[off + i] - m) / Math.sqrt(v + eps)) * gamma[c] + beta[c];
        }
      }
    return y;
  }

  for (const impl of ['instancenorm', 'reduce'] as const)
    it(`matches PyTorch's GroupNorm (${impl}) and differentiates`, async () => {
      const { b, p, rng } = setup(4);
      const gn = new GroupNorm(p, 'gn', 3, 6, { impl });
      const x = b.input('x', 'float32', shape);
      b.output(gn.forward(x), 'y');
      const feeds: Record<string, Tensor> = { ...randomWeights(p, rng), x: randn(shape, rng, 2) };
      const out = await run(b, feeds);
      expectClose(data(out.y), ref(data(feeds.x), 3, data(feeds['gn.weight']), data(feeds['gn.bias'])));
      expect(await gradFailures(b, feeds, ['gn.weight', 'gn.bias', 'x'])).toBe('');
    });
});

describe('LayerNorm', () => {
  it('normalizes the trailing dimension like nn.LayerNorm and differentiates', async () => {
    const { b, p, rng } = setup(5);
    const ln = new LayerNorm(p, 'ln', 6);
    const x = b.input('x', 'float32', [2, 3, 6]);
    b.output(ln.forward(x), 'y');
    const feeds: Record<string, Tensor> = { ...randomWeights(p, rng), x: randn([2, 3, 6], rng, 2) };
    const out = await run(b, feeds);
    const xs = data(feeds.x);
    const [w, bb] = [data(feeds['ln.weight']), data(feeds['ln.bias'])];
    const ref = new Float64Array(xs.length);
    for (let r = 0; r < 6; r++) {
      const row = Array.from(xs.subarray(r * 6, r * 6 + 6));
      const m = row.reduce((a, c) => a + c, 0) / 6;
      const v = row.reduce((a, c) => a + (c - m) ** 2, 0) / 6;
      row.forEach((c, i) => (ref[r * 6 + i] = ((c - m) / Math.sqrt(v + 1e-5)) * w[i] + bb[i]));
    }
    expectClose(data(out.y), ref);
    expect(await gradFailures(b, feeds, ['ln.weight', 'ln.bias', 'x'])).toBe('');
  });
});

describe('Embedding', () => {
  it('gathers rows and sends gradients to the rows used', async () => {
    const { b, p, rng } = setup(6);
    const emb = new Embedding(p, 'emb', 7, 3);
    const ids = b.input('ids', 'int64', [2, 3]);
    b.output(emb.forward(ids), 'y');
    const feeds: Record<string, Tensor> = { ...randomWeights(p, rng), ids: i64([2, 3], [0, 6, 2, 2, 5, 0]) };
    const out = await run(b, feeds);
    expect(out.y.shape).toEqual([2, 3, 3]);
    const w = data(feeds['emb.weight']);
    expectClose(data(out.y), [0, 6, 2, 2, 5, 0].flatMap((i) => Array.from(w.subarray(i * 3, i * 3 + 3))));
    expect(await gradFailures(b, feeds, ['emb.weight'])).toBe('');
  });
});

describe('activations', () => {
  it('silu and gelu (exact and tanh) match their formulas and differentiate', async () => {
    const { b, rng } = setup(7);
    const x = b.input('x', 'float32', [3, 5]);
    b.output(silu(x), 'silu');
    b.output(gelu(x), 'gelu');
    b.output(gelu(x, 'tanh'), 'gelu_tanh');
    const feeds: Record<string, Tensor> = { x: randn([3, 5], rng, 2) };
    const out = await run(b, feeds);
    const xs = Array.from(data(feeds.x));
    // erf via the Abramowitz–Stegun 7.1.26 approximation (|error| < 1.5e-7).
    const erf = (z: number) => {
      const t = 1 / (1 + 0.3275911 * Math.abs(z));
      const y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-z * z);
      return Math.sign(z) * y;
    };
    expectClose(data(out.silu), xs.map((v) => v / (1 + Math.exp(-v))));
    expectClose(data(out.gelu), xs.map((v) => 0.5 * v * (1 + erf(v / Math.SQRT2))));
    expectClose(data(out.gelu_tanh), xs.map((v) => 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v ** 3)))));
    for (const output of ['silu', 'gelu', 'gelu_tanh']) expect(await gradFailures(b, feeds, ['x'], { output })).toBe('');
  });
});

/** Multi-head attention as nn.functional.scaled_dot_product_attention with separate projections. */
function refAttention(
  x: Float32Array, c: Float32Array, [B, Lq, D]: number[], Lk: number, Dc: number, H: number,
  w: Record<string, Float32Array>, mask?: Float32Array,
) {
  const dh = D / H;
  const q = refLinear(x, B * Lq, w.q, D, D);
  const k = refLinear(c, B * Lk, w.k, D, Dc);
  const v = refLinear(c, B * Lk, w.v, D, Dc);
  const o = new Float64Array(B * Lq * D);
  for (let n = 0; n < B; n++)
    for (let h = 0; h < H; h++)
      for (let i = 0; i < Lq; i++) {
        const s = new Float64Array(Lk);
        for (let j = 0; j < Lk; j++) {
          let acc = 0;
          for (let d = 0; d < dh; d++) acc += q[(n * Lq + i) * D + h * dh + d] * k[(n * Lk + j) * D + h * dh + d];
          s[j] = acc / Math.sqrt(dh) + (mask ? mask[i * Lk + j] : 0);
        }
        const m = Math.max(...s);
        let z = 0;
        for (let j = 0; j < Lk; j++) z += (s[j] = Math.exp(s[j] - m));
        for (let d = 0; d < dh; d++) {
          let acc = 0;
          for (let j = 0; j < Lk; j++) acc += (s[j] / z) * v[(n * Lk + j) * D + h * dh + d];
          o[(n * Lq + i) * D + h * dh + d] = acc;
        }
      }
  return refLinear(o, B * Lq, w.out, D, D, w.outBias);
}

describe('Attention', () => {
  it('self-attention matches scaled dot-product attention over split heads, and differentiates', async () => {
    const { b, p, rng } = setup(8);
    const attn = new Attention(p, 'attn', 4, { heads: 2 });
    const x = b.input('x', 'float32', [2, 3, 4]);
    b.output(attn.forward(x), 'y');
    const feeds: Record<string, Tensor> = { ...randomWeights(p, rng), x: randn([2, 3, 4], rng) };
    const out = await run(b, feeds);
    const w = {
      q: data(feeds['attn.to_q.weight']), k: data(feeds['attn.to_k.weight']), v: data(feeds['attn.to_v.weight']),
      out: data(feeds['attn.to_out.weight']), outBias: data(feeds['attn.to_out.bias']),
    };
    expectClose(data(out.y), refAttention(data(feeds.x), data(feeds.x), [2, 3, 4], 3, 4, 2, w));
    expect(await gradFailures(b, feeds, [...p.names(), 'x'])).toBe('');
  });

  it('cross-attention reads keys/values from a context of another size, with an additive mask', async () => {
    const { b, p, rng } = setup(9);
    const attn = new Attention(p, 'xattn', 4, { heads: 2, contextDim: 3 });
    const x = b.input('x', 'float32', [1, 2, 4]);
    const ctx = b.input('ctx', 'float32', [1, 5, 3]);
    const mask = b.input('mask', 'float32', [2, 5]);
    b.output(attn.forward(x, ctx, mask), 'y');
    const m = new Float32Array(10);
    m[3] = m[6] = -1e4; // query 0 ignores token 3, query 1 ignores token 1
    const feeds: Record<string, Tensor> = { ...randomWeights(p, rng), x: randn([1, 2, 4], rng), ctx: randn([1, 5, 3], rng), mask: { dtype: 'float32' as const, shape: [2, 5], data: m } };
    const out = await run(b, feeds);
    const w = {
      q: data(feeds['xattn.to_q.weight']), k: data(feeds['xattn.to_k.weight']), v: data(feeds['xattn.to_v.weight']),
      out: data(feeds['xattn.to_out.weight']), outBias: data(feeds['xattn.to_out.bias']),
    };
    expectClose(data(out.y), refAttention(data(feeds.x), data(feeds.ctx), [1, 2, 4], 5, 3, 2, w, m));
    expect(await gradFailures(b, feeds, ['xattn.to_q.weight', 'xattn.to_k.weight', 'xattn.to_v.weight', 'x', 'ctx'])).toBe('');
  });
});

describe('LoRA', () => {
  it('Linear: adds (alpha/r)·B·A·x to the base output, is exact at init, and differentiates A and B', async () => {
    const { b, p, rng } = setup(10);
    const fc = new Linear(p, 'fc', 5, 4);
    const lora = addLora(fc, { rank: 2, alpha: 6 });
    expect(lora.scale).toBe(3);
    const x = b.input('x', 'float32', [3, 5]);
    b.output(fc.forward(x), 'y');
    const init: Record<string, Tensor> = { ...p.initial(), x: randn([3, 5], rng) };
    const base = refLinear(data(init.x), 3, data(init['fc.weight']), 4, 5, data(init['fc.bias']));
    expectClose(data((await run(b, init)).y), base);
    // With B ≠ 0 the branch shows: y = base + 3·(x Aᵀ) Bᵀ.
    const feeds: Record<string, Tensor> = { ...init, 'fc.lora_B.weight': randn([4, 2], rng) };
    const ax = refLinear(data(feeds.x), 3, data(feeds['fc.lora_A.weight']), 2, 5);
    const bax = refLinear(ax, 3, data(feeds['fc.lora_B.weight']), 4, 2);
    expectClose(data((await run(b, feeds)).y), base.map((v, i) => v + 3 * bax[i]));
    expect(await gradFailures(b, feeds, ['fc.lora_A.weight', 'fc.lora_B.weight'])).toBe('');
  });

  it('Conv2d: A shares the kernel/stride/padding, B is 1×1; exact at init and differentiable', async () => {
    const { b, p, rng } = setup(11);
    const conv = new Conv2d(p, 'conv', 3, 4, 3, { stride: 2, padding: 1 });
    addLora(conv, { rank: 2, alpha: 1 });
    const x = b.input('x', 'float32', [1, 3, 5, 5]);
    b.output(conv.forward(x), 'y');
    const init: Record<string, Tensor> = { ...p.initial(), x: randn([1, 3, 5, 5], rng) };
    const base = refConv(data(init.x), [1, 3, 5, 5], data(init['conv.weight']), [4, 3, 3, 3], data(init['conv.bias']), 2, 1, 1, 1);
    expectClose(data((await run(b, init)).y), base.y);
    const feeds: Record<string, Tensor> = { ...init, 'conv.lora_B.weight': randn([4, 2, 1, 1], rng) };
    const a = refConv(data(feeds.x), [1, 3, 5, 5], data(feeds['conv.lora_A.weight']), [2, 3, 3, 3], null, 2, 1, 1, 1);
    const ba = refConv(Float32Array.from(a.y), a.shape, data(feeds['conv.lora_B.weight']), [4, 2, 1, 1], null, 1, 0, 1, 1);
    expectClose(data((await run(b, feeds)).y), base.y.map((v, i) => v + 0.5 * ba.y[i]));
    expect(await gradFailures(b, feeds, ['conv.lora_A.weight', 'conv.lora_B.weight', 'x'])).toBe('');
  });
});

describe('mergeLora', () => {
  class Small extends Module {
    conv = new Conv2d(this, 'conv', 3, 4, 3, { padding: 1, stride: 2 });
    fc = new Linear(this, 'fc', 4, 2);
    constructor(parent: Parent, name: string) {
      super(parent, name);
    }
    forward(x: Value): Value {
      const h = this.b.op1('ReduceMean', [this.conv.forward(x)], { axes: [2, 3], keepdims: 0 });
      return this.fc.forward(h);
    }
  }
  const build = (lora: boolean) => {
    const b = new GraphBuilder('m');
    const p = new Params(b, { seed: 1 });
    const m = new Small(p, 'm');
    if (lora) injectLora(m, { rank: 2, alpha: 3 });
    b.output(m.forward(b.input('x', 'float32', [2, 3, 6, 6])), 'y');
    return { b, p, m };
  };

  it('folds trained adapters into the base weights of the plain model, output unchanged', async () => {
    const adapted = build(true);
    const plain = build(false);
    expect(loraAdapters(adapted.m).map((a) => a.path)).toEqual(['m.conv', 'm.fc']);
    const rng = new Rng(12);
    const w = randomWeights(adapted.p, rng);
    const x = randn([2, 3, 6, 6], rng);
    const merged = mergeLora(adapted.m, w);
    expect(Object.keys(merged).sort()).toEqual(plain.p.names().sort());
    const ya = data((await run(adapted.b, { ...w, x })).y);
    const yp = data((await run(plain.b, { ...merged, x })).y);
    expectClose(yp, ya, 1e-5);
    // The merge changed the weights (B was random), so the equality above is not vacuous.
    expect(data(merged['m.fc.weight'])).not.toEqual(data(w['m.fc.weight']));
  });
});
