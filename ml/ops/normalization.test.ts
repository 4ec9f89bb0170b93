import { describe, expect, it } from 'vitest';
import { GraphBuilder } from '../builder.ts';
import { toOnnxBytes } from '../onnx/serialize.ts';
import { broadcastIndex } from './util.ts';
import { randn, Rng } from '../random.ts';
import { nodeBackend } from '../session/node.ts';
import type { Tensor } from '../tensor.ts';

/**
 * Applies f to every 1-D slice obtained by grouping: x viewed as [outer, inner] where `inner`
 * spans axes [from, to) — the layout every normalization here reduces over.
 */
function perGroup(x: Tensor, outer: number, inner: number, f: (v: number[]) => number[]): number[] {
  const d = Array.from(x.data as Float32Array);
  const out: number[] = [];
  for (let o = 0; o < outer; o++) out.push(...f(d.slice(o * inner, (o + 1) * inner)));
  return out;
}

/** Softmax along one axis, by moving it innermost through index arithmetic. */
function softmaxRef(x: Tensor, axis: number, log: boolean): number[] {
  const shape = x.shape;
  const a = axis < 0 ? axis + shape.length : axis;
  const len = shape[a];
  const inner = shape.slice(a + 1).reduce((p, q) => p * q, 1);
  const outer = shape.slice(0, a).reduce((p, q) => p * q, 1);
  const d = x.data as Float32Array;
  const out = new Array<number>(d.length);
  for (let o = 0; o < outer; o++)
    for (let i = 0; i < inner; i++) {
      const at = (j: number) => (o * len + j) * inner + i;
      const m = Math.max(...Array.from({ length: len }, (_, j) => d[at(j)]));
      let s = 0;
      for (let j = 0; j < len; j++) s += Math.exp(d[at(j)] - m);
      for (let j = 0; j < len; j++) out[at(j)] = log ? d[at(j)] - m - Math.log(s) : Math.exp(d[at(j)] - m) / s;
    }
  return out;
}

const stats = (v: number[], eps: number) => {
  const mean = v.reduce((p, q) => p + q, 0) / v.length;
  const variance = v.reduce((p, q) => p + (q - mean) ** 2, 0) / v.length;
  return { mean, inv: 1 / Math.sqrt(variance + eps) };
};

function expectClose(actual: Tensor, expected: number[], tol = 1e-5) {
  const a = actual.data as Float32Array;
  expect(a.length).toBe(expected.length);
  for (let i = 0; i < a.length; i++)
    expect(Math.abs(a[i] - expected[i]), `element ${i}: ${a[i]} vs ${expected[i]}`).toBeLessThanOrEqual(tol * (1 + Math.abs(expected[i])));
}

async function run(b: GraphBuilder, feeds: Record<string, Tensor>) {
  const s = await nodeBackend.create(toOnnxBytes(b.build()));
  try {
    return await s.run(feeds);
  } finally {
    await s.release();
  }
}

describe('Softmax / LogSoftmax', () => {
  it('match a JS reference along every axis, negative ones included', async () => {
    const rng = new Rng(11);
    const shape = [2, 3, 4];
    const b = new GraphBuilder('sm');
    const x = b.input('x', 'float32', shape);
    const xt = randn(shape, rng, 2);
    const expected: Record<string, number[]> = {};
    for (const op of ['Softmax', 'LogSoftmax'])
      for (const axis of [0, 1, 2, -1, -3]) {
        const name = `${op}_${axis < 0 ? 'm' : ''}${Math.abs(axis)}`;
        const y = b.op1(op, [x], { axis });
        expect(y.shape).toEqual(shape);
        b.output(y, name);
        expected[name] = softmaxRef(xt, axis, op === 'LogSoftmax');
      }
    b.output(b.op1('Softmax', [x]), 'default_axis');
    expected.default_axis = softmaxRef(xt, -1, false);
    const out = await run(b, { x: xt });
    for (const [name, e] of Object.entries(expected)) expectClose(out[name], e);
  });

  it('fail at build time on an out-of-range axis', () => {
    const b = new GraphBuilder('bad');
    const x = b.input('x', 'float32', [2, 3]);
    expect(() => b.op1('Softmax', [x], { axis: 2 }, { name: 'sm' })).toThrow(/Softmax "sm": axis 2 is out of range/);
    expect(() => b.op1('LogSoftmax', [x], { axis: -3 })).toThrow(/out of range/);
  });
});

describe('LayerNormalization', () => {
  for (const [axis, withB] of [[-1, true], [1, false], [-2, true], [0, true]] as const)
    it(`matches a JS reference (axis ${axis}, ${withB ? 'with' : 'without'} B), Mean and InvStdDev included`, async () => {
      const rng = new Rng(20 + axis);
      const shape = [2, 3, 5];
      const a = axis < 0 ? axis + shape.length : axis;
      const normShape = shape.slice(a);
      const inner = normShape.reduce((p, q) => p * q, 1);
      const outer = shape.slice(0, a).reduce((p, q) => p * q, 1);
      const eps = 1e-3;
      const b = new GraphBuilder('ln');
      const x = b.input('x', 'float32', shape);
      const scale = b.input('scale', 'float32', normShape);
      const bias = withB ? b.input('bias', 'float32', normShape) : null;
      const [y, mean, inv] = b.op('LayerNormalization', [x, scale, bias], { axis, epsilon: eps }, { outputs: 3 });
      const statShape = shape.map((d, i) => (i < a ? d : 1));
      expect([y.shape, mean.shape, inv.shape, mean.dtype]).toEqual([shape, statShape, statShape, 'float32']);
      b.output(y, 'y');
      b.output(mean, 'mean');
      b.output(inv, 'inv');
      const feeds: Record<string, Tensor> = { x: randn(shape, rng, 3), scale: randn(normShape, rng) };
      if (withB) feeds.bias = randn(normShape, rng);
      const g = Array.from(feeds.scale.data as Float32Array);
      const be = withB ? Array.from(feeds.bias.data as Float32Array) : g.map(() => 0);
      const out = await run(b, feeds);
      expectClose(out.y, perGroup(feeds.x, outer, inner, (v) => {
        const { mean: m, inv: s } = stats(v, eps);
        return v.map((q, j) => (q - m) * s * g[j] + be[j]);
      }));
      expectClose(out.mean, perGroup(feeds.x, outer, inner, (v) => [stats(v, eps).mean]));
      expectClose(out.inv, perGroup(feeds.x, outer, inner, (v) => [stats(v, eps).inv]));
    });

  it('broadcasts Scale and B against X as onnxruntime does (per-row scale, suffix bias)', async () => {
    const rng = new Rng(5);
    const shape = [2, 3, 5];
    const b = new GraphBuilder('ln_bc');
    const x = b.input('x', 'float32', shape);
    const y = b.op1('LayerNormalization', [x, b.input('scale', 'float32', [2, 1, 5]), b.input('bias', 'float32', [5])], { axis: 1 });
    b.output(y, 'y');
    const feeds = { x: randn(shape, rng), scale: randn([2, 1, 5], rng), bias: randn([5], rng) };
    const sIdx = broadcastIndex([2, 1, 5], shape);
    const bIdx = broadcastIndex([5], shape);
    const norm = perGroup(feeds.x, 2, 15, (v) => {
      const { mean, inv } = stats(v, 1e-5);
      return v.map((q) => (q - mean) * inv);
    });
    const sd = feeds.scale.data as Float32Array;
    const bd = feeds.bias.data as Float32Array;
    expectClose((await run(b, feeds)).y, norm.map((v, k) => v * sd[sIdx[k]] + bd[bIdx[k]]), 1e-4);
  });

  it('fails at build time on a bad axis, a mis-shaped Scale or B, a missing Scale', () => {
    const b = new GraphBuilder('bad');
    const x = b.input('x', 'float32', [2, 3, 4]);
    const s4 = b.input('s4', 'float32', [4]);
    expect(() => b.op1('LayerNormalization', [x, s4], { axis: 3 }, { name: 'ln' })).toThrow(/LayerNormalization "ln": axis 3/);
    expect(() => b.op1('LayerNormalization', [x, b.input('s3', 'float32', [3])])).toThrow(/Scale has shape \[3\].*\[2, 3, 4\]/);
    expect(() => b.op1('LayerNormalization', [x, s4, b.input('b3', 'float32', [3, 1, 1, 4])])).toThrow(/B has shape \[3, 1, 1, 4\]/);
    expect(() => b.op1('LayerNormalization', [x, null])).toThrow(/Scale \(input 1\) is required/);
    expect(() => b.op1('LayerNormalization', [x, s4], { stash_type: 7 })).toThrow(/stash_type 7/);
    // Broadcasting forms onnxruntime accepts.
    expect(b.op1('LayerNormalization', [x, b.input('s14', 'float32', [1, 4])]).shape).toEqual([2, 3, 4]);
    expect(b.op1('LayerNormalization', [x, b.input('s214', 'float32', [2, 1, 4])], { axis: 1 }).shape).toEqual([2, 3, 4]);
  });
});

describe('InstanceNormalization', () => {
  it('matches a JS reference on [N, C, H, W] and [N, C, L]', async () => {
    const rng = new Rng(31);
    for (const shape of [[2, 3, 4, 5], [3, 2, 7]]) {
      const [n, c] = shape;
      const inner = shape.slice(2).reduce((p, q) => p * q, 1);
      const b = new GraphBuilder('in');
      const x = b.input('x', 'float32', shape);
      const y = b.op1('InstanceNormalization', [x, b.input('s', 'float32', [c]), b.input('b', 'float32', [c])], { epsilon: 1e-4 });
      expect(y.shape).toEqual(shape);
      b.output(y, 'y');
      const feeds = { x: randn(shape, rng, 2), s: randn([c], rng), b: randn([c], rng) };
      const out = await run(b, feeds);
      let group = 0;
      const expected = perGroup(feeds.x, n * c, inner, (v) => {
        const ch = group++ % c;
        const { mean, inv } = stats(v, 1e-4);
        return v.map((q) => (q - mean) * inv * (feeds.s.data as Float32Array)[ch] + (feeds.b.data as Float32Array)[ch]);
      });
      expectClose(out.y, expected);
    }
  });

  it('fails at build time on a rank below 3 or a scale that is not [C]', () => {
    const b = new GraphBuilder('bad');
    const s = b.input('s', 'float32', [3]);
    expect(() => b.op1('InstanceNormalization', [b.input('x2', 'float32', [2, 3]), s, s])).toThrow(/\[N, C, D1, \.\.\.\]/);
    const x = b.input('x', 'float32', [2, 4, 5]);
    expect(() => b.op1('InstanceNormalization', [x, s, s], {}, { name: 'inorm' })).toThrow(/InstanceNormalization "inorm": scale must have shape \[4\]/);
  });
});
