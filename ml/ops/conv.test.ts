import { describe, expect, it } from 'vitest';
import { GraphBuilder } from '../builder.ts';
import type { AttrValue } from '../ir.ts';
import { randn, Rng } from '../random.ts';
import { nodeBackend } from '../session/node.ts';
import { f32, i64, sizeOf, type Tensor } from '../tensor.ts';
import { resizeAxisMatrix, resizeGeometry } from './resize-map.ts';
import { refAveragePool, refConv, refConvTranspose } from './spatial-reference.ts';
import { closeness, runGraph } from './test-run.ts';
import { forwardWindow, transposedWindow } from './window.ts';

const noFail = (m: string): never => {
  throw new Error(m);
};
const pick = <T,>(rng: Rng, xs: readonly T[]): T => xs[rng.int(xs.length)];

/** Builds y = op(inputs) and checks ORT's output shape against the inferred one; returns ORT's outputs. */
async function runOp(op: string, inputs: Record<string, Tensor>, attrs: Record<string, AttrValue>, consts: Record<string, Tensor> = {}, outputs = 1) {
  const b = new GraphBuilder(op);
  const vals = [...Object.entries(inputs).map(([k, t]) => (t ? b.input(k, t.dtype, t.shape) : null))];
  const cvals = Object.values(consts).map((t) => (t ? b.constant(t) : null));
  const ys = b.op(op, [...vals, ...cvals], attrs, { outputs });
  ys.forEach((y, i) => b.output(y, `y${i}`));
  const res = await runGraph(nodeBackend, b.build(), Object.fromEntries(Object.entries(inputs).filter(([, t]) => t)));
  ys.forEach((y, i) => expect(res[`y${i}`].shape, `${op} output ${i} shape`).toEqual([...y.shape]));
  return { res, shape: [...ys[0].shape] };
}

describe('Conv forward', () => {
  it('matches a loop reference over random shapes, strides, pads, dilations and groups (1-D and 2-D)', async () => {
    const rng = new Rng(7);
    for (let t = 0; t < 24; t++) {
      const spatial = t % 4 === 3 ? 1 : 2;
      const group = pick(rng, [1, 1, 2, 3]);
      const depthwise = t % 5 === 4;
      const C = depthwise ? 3 : group * (1 + rng.int(2));
      const g = depthwise ? C : group;
      const M = g * (1 + rng.int(2));
      const k = Array.from({ length: spatial }, () => 1 + rng.int(3));
      const strides = k.map(() => 1 + rng.int(2));
      const dilations = k.map(() => 1 + rng.int(2));
      const pads = [...k, ...k].map(() => rng.int(3));
      const size = k.map((kk, i) => (kk - 1) * dilations[i] + 1 + rng.int(6));
      const xs = [1 + rng.int(2), C, ...size];
      const ws = [M, C / g, ...k];
      const x = randn(xs, rng);
      const w = randn(ws, rng);
      const bias = t % 2 ? randn([M], rng) : null;
      const attrs = { strides, dilations, pads, group: g, kernel_shape: k };
      const { res, shape } = await runOp('Conv', { x, w, ...(bias ? { b: bias } : {}) }, attrs);
      const ref = refConv(x.data as Float32Array, xs, w.data as Float32Array, ws, bias?.data as Float32Array | null, shape.slice(2), { strides, dilations, pads, group: g });
      expect(closeness(res.y0.data as Float32Array, ref), JSON.stringify({ xs, ws, attrs })).toBeLessThan(1);
    }
  });

  it('resolves auto_pad VALID, SAME_UPPER and SAME_LOWER as onnxruntime does', async () => {
    const rng = new Rng(8);
    for (const auto_pad of ['VALID', 'SAME_UPPER', 'SAME_LOWER'])
      for (const s of [1, 2])
        for (const size of [5, 6]) {
          const xs = [1, 2, size, size + 1];
          const ws = [3, 2, 2, 3];
          const x = randn(xs, rng);
          const w = randn(ws, rng);
          const attrs = { auto_pad, strides: [s, s] };
          const { res, shape } = await runOp('Conv', { x, w }, attrs);
          if (auto_pad !== 'VALID') expect(shape.slice(2)).toEqual([Math.ceil(size / s), Math.ceil((size + 1) / s)]);
          const win = forwardWindow(attrs, xs.slice(2), [2, 3], noFail);
          const ref = refConv(x.data as Float32Array, xs, w.data as Float32Array, ws, null, shape.slice(2), { ...win, group: 1 });
          expect(closeness(res.y0.data as Float32Array, ref), JSON.stringify(attrs)).toBeLessThan(1);
        }
  });

  it('fails at build time on inconsistent shapes and attributes, naming the node', () => {
    const b = new GraphBuilder('bad');
    const x = b.input('x', 'float32', [1, 4, 5, 5]);
    const w = b.input('w', 'float32', [6, 3, 3, 3]);
    expect(() => b.op1('Conv', [x, w], {}, { name: 'c1' })).toThrow(/Conv "c1".*input channels/);
    const w2 = b.input('w2', 'float32', [6, 2, 3, 3]);
    expect(() => b.op1('Conv', [x, w2], { group: 4 })).toThrow(/expects 8 input channels/);
    expect(() => b.op1('Conv', [x, w2, b.input('bias', 'float32', [5])], { group: 2 })).toThrow(/bias must be \[6\]/);
    expect(() => b.op1('Conv', [x, w2], { group: 2, pads: [1, 1] })).toThrow(/pads must be 4 integers/);
    const w3 = b.input('w3', 'float32', [6, 2, 7, 7]);
    expect(() => b.op1('Conv', [x, w3], { group: 2 })).toThrow(/larger than padded input/);
    expect(() => b.op1('Conv', [x, w2], { group: 2, kernel_shape: [2, 2] })).toThrow(/kernel_shape/);
    expect(b.op1('Conv', [x, w2], { group: 2, pads: [1, 1, 1, 1], strides: [2, 2] }).shape).toEqual([1, 6, 3, 3]);
  });
});

describe('ConvTranspose forward', () => {
  it('matches a scatter reference over strides, pads, dilations, output_padding and groups', async () => {
    const rng = new Rng(9);
    for (let t = 0; t < 20; t++) {
      const spatial = t % 4 === 3 ? 1 : 2;
      const g = pick(rng, [1, 1, 2]);
      const C = g * (1 + rng.int(2));
      const M = g * (1 + rng.int(2));
      const k = Array.from({ length: spatial }, () => 1 + rng.int(3));
      const strides = k.map(() => 1 + rng.int(3));
      const dilations = k.map(() => 1 + rng.int(2));
      const output_padding = strides.map((s) => rng.int(s));
      const pads = [...k, ...k].map(() => rng.int(2));
      const xs = [1 + rng.int(2), C, ...k.map(() => 1 + rng.int(5))];
      const ws = [C, M / g, ...k];
      const x = randn(xs, rng);
      const w = randn(ws, rng);
      const bias = t % 2 ? randn([M], rng) : null;
      const attrs = { strides, dilations, pads, group: g, output_padding };
      let win;
      try {
        win = transposedWindow(attrs, xs.slice(2), k, noFail);
      } catch {
        continue; // pads larger than the output
      }
      const { res, shape } = await runOp('ConvTranspose', { x, w, ...(bias ? { b: bias } : {}) }, attrs);
      expect(shape.slice(2)).toEqual(win.outSize);
      const ref = refConvTranspose(x.data as Float32Array, xs, w.data as Float32Array, ws, bias?.data as Float32Array | null, shape.slice(2), { strides, dilations, pads, group: g });
      expect(closeness(res.y0.data as Float32Array, ref), JSON.stringify({ xs, ws, attrs })).toBeLessThan(1);
    }
  });

  it('splits padding for output_shape and auto_pad as onnxruntime does', async () => {
    const rng = new Rng(10);
    const cases: Record<string, AttrValue>[] = [
      { strides: [2, 2], output_shape: [8, 6] },
      { strides: [3, 2], output_shape: [10, 6], auto_pad: 'SAME_UPPER' },
      { strides: [2, 2], output_shape: [8, 6], auto_pad: 'SAME_LOWER' },
      { strides: [2, 2], auto_pad: 'SAME_UPPER' },
      { strides: [2, 3], auto_pad: 'SAME_LOWER' },
      { strides: [2, 2], auto_pad: 'VALID' },
    ];
    for (const attrs of cases) {
      const xs = [1, 2, 4, 3];
      const ws = [2, 2, 3, 3];
      const x = randn(xs, rng);
      const w = randn(ws, rng);
      const { res, shape } = await runOp('ConvTranspose', { x, w }, attrs);
      const win = transposedWindow(attrs, xs.slice(2), [3, 3], noFail);
      const ref = refConvTranspose(x.data as Float32Array, xs, w.data as Float32Array, ws, null, shape.slice(2), { ...win, group: 1 });
      expect(closeness(res.y0.data as Float32Array, ref), JSON.stringify(attrs)).toBeLessThan(1);
    }
    const b = new GraphBuilder('bad');
    const x = b.input('x', 'float32', [1, 2, 4, 3]);
    const w = b.input('w', 'float32', [2, 2, 3, 3]);
    expect(() => b.op1('ConvTranspose', [x, w], { output_shape: [1, 2, 7, 7] })).toThrow(/output_shape must be 2 integers/);
    expect(() => b.op1('ConvTranspose', [x, w], { strides: [2, 2], output_shape: [10, 7] })).toThrow(/exceeds the largest reachable 9/);
    expect(() => b.op1('ConvTranspose', [x, w], { strides: [2, 2], output_padding: [2, 0] })).toThrow(/output_padding/);
  });
});

describe('pools', () => {
  it('AveragePool matches a reference for pads, strides, count_include_pad and ceil_mode', async () => {
    const rng = new Rng(11);
    for (let t = 0; t < 16; t++) {
      const spatial = t % 4 === 3 ? 1 : 2;
      const k = Array.from({ length: spatial }, () => 1 + rng.int(3));
      const strides = k.map(() => 1 + rng.int(2));
      const pads = [...k, ...k].map((kk) => rng.int(kk));
      const count_include_pad = rng.int(2);
      const ceil_mode = t % 3 === 2 ? 1 : 0;
      const xs = [1 + rng.int(2), 1 + rng.int(3), ...k.map((kk) => kk + rng.int(5))];
      const x = randn(xs, rng);
      const attrs = { kernel_shape: k, strides, pads, count_include_pad, ceil_mode };
      const { res, shape } = await runOp('AveragePool', { x }, attrs);
      const ref = refAveragePool(x.data as Float32Array, xs, k, shape.slice(2), { strides, pads, dilations: k.map(() => 1) }, !!count_include_pad);
      expect(closeness(res.y0.data as Float32Array, ref), JSON.stringify({ xs, attrs })).toBeLessThan(1);
    }
  });

  it('GlobalAveragePool averages each channel; MaxPool gives values and indices shapes', async () => {
    const rng = new Rng(12);
    const x = randn([2, 3, 4, 5], rng);
    const { res } = await runOp('GlobalAveragePool', { x }, {});
    const d = x.data as Float32Array;
    const ref = Array.from({ length: 6 }, (_, nc) => d.slice(nc * 20, nc * 20 + 20).reduce((a, b) => a + b, 0) / 20);
    expect(closeness(res.y0.data as Float32Array, ref)).toBeLessThan(1);
    const mp = await runOp('MaxPool', { x }, { kernel_shape: [2, 2], strides: [2, 2], pads: [0, 0, 0, 1] }, {}, 2);
    expect(mp.shape).toEqual([2, 3, 2, 3]);
    expect(mp.res.y1.dtype).toBe('int64');
  });
});

describe('Pad', () => {
  /** Reference pad over an N-D tensor: out index maps back to an input index per axis, or to the constant. */
  function refPad(x: Tensor, pads: number[], mode: string, value: number): Float32Array {
    const r = x.shape.length;
    const out = x.shape.map((d, i) => d + pads[i] + pads[i + r]);
    const y = new Float32Array(sizeOf(out));
    const xd = x.data as Float32Array;
    for (let k = 0; k < y.length; k++) {
      let rem = k;
      let src = 0;
      let inside = true;
      for (let a = r - 1, stride = 1; a >= 0; a--) {
        const o = rem % out[a];
        rem = Math.floor(rem / out[a]);
        let i = o - pads[a];
        const n = x.shape[a];
        if (mode === 'edge') i = Math.min(n - 1, Math.max(0, i));
        else if (mode === 'reflect') i = i < 0 ? -i : i >= n ? 2 * (n - 1) - i : i;
        else if (i < 0 || i >= n) inside = false;
        src += i * stride;
        stride *= n;
      }
      y[k] = inside ? xd[src] : value;
    }
    return y;
  }

  it('pads with constants (positive and negative pads), reflect and edge', async () => {
    const rng = new Rng(13);
    const cases: [number[], number[], string, number | null][] = [
      [[2, 3, 4], [0, 1, 2, 1, 0, 3], 'constant', null],
      [[2, 3, 4], [1, 0, 2, 0, 2, 1], 'constant', 1.5],
      [[3, 5], [0, -1, 1, -2], 'constant', 0.25],
      [[1, 2, 4, 5], [0, 0, 2, 1, 0, 0, 1, 3], 'reflect', null],
      [[1, 2, 4, 5], [0, 0, 2, 1, 0, 0, 3, 0], 'edge', null],
    ];
    for (const [shape, pads, mode, value] of cases) {
      const x = randn(shape, rng);
      const consts: Record<string, Tensor> = { pads: i64([pads.length], pads) };
      if (value !== null) consts.value = f32([], [value]);
      const { res } = await runOp('Pad', { x }, { mode }, consts);
      expect(closeness(res.y0.data as Float32Array, refPad(x, pads, mode, value ?? 0)), `${mode} [${pads}]`).toBeLessThan(1);
    }
  });

  it('fails on a wrong pads length or non-constant pads', () => {
    const b = new GraphBuilder('bad');
    const x = b.input('x', 'float32', [2, 3]);
    expect(() => b.op1('Pad', [x, b.ints([1, 1])])).toThrow(/pads has 2 entries, expected 4/);
    expect(() => b.op1('Pad', [x, b.input('p', 'int64', [4])])).toThrow(/must be a constant/);
    expect(() => b.op1('Pad', [x, b.ints([0, 3, 0, 0])], { mode: 'reflect' })).toThrow(/reflect pads/);
  });
});

describe('Resize', () => {
  /** Applies per-axis [out, in] matrices separably over the last two axes of [N, C, H, W]. */
  function applySeparable(x: Tensor, mh: Float32Array, mw: Float32Array, oh: number, ow: number): Float32Array {
    const [N, C, H, W] = x.shape;
    const xd = x.data as Float32Array;
    const y = new Float32Array(N * C * oh * ow);
    for (let nc = 0; nc < N * C; nc++)
      for (let i = 0; i < oh; i++)
        for (let j = 0; j < ow; j++) {
          let s = 0;
          for (let h = 0; h < H; h++) {
            const a = mh[i * H + h];
            if (a) for (let w = 0; w < W; w++) s += a * mw[j * W + w] * xd[(nc * H + h) * W + w];
          }
          y[(nc * oh + i) * ow + j] = s;
        }
    return y;
  }

  const cases: [Record<string, AttrValue>, number[] | null, number[] | null][] = [
    [{ mode: 'nearest', coordinate_transformation_mode: 'asymmetric', nearest_mode: 'floor' }, [1, 1, 2, 2], null],
    [{ mode: 'nearest', coordinate_transformation_mode: 'asymmetric', nearest_mode: 'floor' }, [1, 1, 3, 2], null],
    [{ mode: 'nearest', coordinate_transformation_mode: 'half_pixel', nearest_mode: 'round_prefer_floor' }, [1, 1, 2, 3], null],
    [{ mode: 'nearest', coordinate_transformation_mode: 'asymmetric', nearest_mode: 'round_prefer_floor' }, [1, 1, 3, 2], null],
    [{ mode: 'nearest' }, null, [2, 3, 7, 5]],
    [{ mode: 'nearest', coordinate_transformation_mode: 'asymmetric', nearest_mode: 'floor' }, [1, 1, 0.5, 0.5], null],
    [{ mode: 'linear', coordinate_transformation_mode: 'half_pixel' }, [1, 1, 2, 2], null],
    [{ mode: 'linear', coordinate_transformation_mode: 'align_corners' }, null, [2, 3, 7, 9]],
    [{ mode: 'linear', coordinate_transformation_mode: 'pytorch_half_pixel' }, [1, 1, 1.5, 0.75], null],
    [{ mode: 'linear', coordinate_transformation_mode: 'asymmetric' }, [1, 1, 3, 1], null],
  ];

  it('infers the output shape and matches a separable reference for nearest and linear modes', async () => {
    const rng = new Rng(14);
    for (const [attrs, scales, sizes] of cases) {
      const x = randn([2, 3, 4, 6], rng);
      const consts: Record<string, Tensor | null> = { roi: null, scales: scales ? f32([4], scales) : null, sizes: sizes ? i64([4], sizes) : null };
      const { res, shape } = await runOp('Resize', { x }, attrs, consts as Record<string, Tensor>);
      const g = resizeGeometry(attrs, x.shape, scales, sizes, noFail);
      expect(shape).toEqual(g.outSize);
      const mh = resizeAxisMatrix(attrs, 4, g.outSize[2], g.scales[2], noFail);
      const mw = resizeAxisMatrix(attrs, 6, g.outSize[3], g.scales[3], noFail);
      const ref = applySeparable(x, mh, mw, g.outSize[2], g.outSize[3]);
      expect(closeness(res.y0.data as Float32Array, ref), JSON.stringify([attrs, scales, sizes])).toBeLessThan(1);
    }
  });

  it('repeats each pixel for integer nearest upscaling (independent of the mapping code)', async () => {
    const x = randn([1, 2, 3, 4], new Rng(15));
    const { res } = await runOp('Resize', { x }, { mode: 'nearest', coordinate_transformation_mode: 'asymmetric', nearest_mode: 'floor' }, {
      roi: null as unknown as Tensor,
      scales: f32([4], [1, 1, 2, 3]),
    });
    const y = res.y0.data as Float32Array;
    const xd = x.data as Float32Array;
    for (let c = 0; c < 2; c++)
      for (let i = 0; i < 6; i++) for (let j = 0; j < 12; j++) expect(y[(c * 6 + i) * 12 + j]).toBe(xd[(c * 3 + Math.floor(i / 2)) * 4 + Math.floor(j / 3)]);
  });
});
