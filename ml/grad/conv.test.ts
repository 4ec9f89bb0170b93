import { describe, expect, it } from 'vitest';
import { GraphBuilder } from '../builder.ts';
import type { AttrValue, Graph } from '../ir.ts';
import { toOnnxBytes } from '../onnx/serialize.ts';
import { closeness, runGraph } from '../ops/test-run.ts';
import { forwardWindow } from '../ops/window.ts';
import { randn, Rng } from '../random.ts';
import { nodeBackend } from '../session/node.ts';
import { configureWasm, webBackend } from '../session/web.ts';
import { f32, i64, type Tensor } from '../tensor.ts';
import { checkGradients, describeFailures } from './check.ts';
import { convInputGradFlipped, convInputGradTranspose, flippedConvApplies } from './conv-input.ts';
import { convWeightGradFlat, convWeightGradIm2col, convWeightGradStacked, convWeightGradSwapped, convWeightGradTaps } from './conv-weight.ts';
import { grad } from './grad.ts';

const pick = <T,>(rng: Rng, xs: readonly T[]): T => xs[rng.int(xs.length)];

interface Case {
  op: string;
  /** Differentiable inputs, in order; null leaves an optional input out. */
  inputs: (Tensor | null)[];
  /** Constant inputs after them (pads, scales, ...); null leaves one out. */
  consts?: (Tensor | null)[];
  attrs: Record<string, AttrValue>;
}

function buildCase({ op, inputs, consts = [], attrs }: Case): { graph: Graph; feeds: Record<string, Tensor>; wrt: string[] } {
  const b = new GraphBuilder(op);
  const feeds: Record<string, Tensor> = {};
  const vals = inputs.map((t, i) => {
    if (!t) return null;
    feeds[`in${i}`] = t;
    return b.input(`in${i}`, t.dtype, t.shape);
  });
  b.output(b.op1(op, [...vals, ...consts.map((t) => (t ? b.constant(t) : null))], attrs), 'y');
  return { graph: b.build(), feeds, wrt: Object.keys(feeds) };
}

async function check(c: Case, label = '') {
  const { graph, feeds, wrt } = buildCase(c);
  const r = await checkGradients(graph, { wrt, feeds, backend: nodeBackend, directions: 2 });
  expect(describeFailures(r), `${c.op} ${label} ${JSON.stringify(c.attrs)} ${c.inputs.map((t) => `[${t?.shape}]`)}`).toBe('');
}

/** A random Conv case: groups 1, 2 or depthwise; strides 1–2; dilations 1–2; asymmetric pads; odd sizes. */
function convCase(rng: Rng, t: number): Case {
  const spatial = t % 5 === 4 ? 1 : 2;
  const kind = pick(rng, ['plain', 'plain', 'group2', 'depthwise'] as const);
  const g = kind === 'plain' ? 1 : kind === 'group2' ? 2 : 3;
  const C = kind === 'depthwise' ? 3 : g * (1 + rng.int(2));
  const M = g * (1 + rng.int(2));
  const k = Array.from({ length: spatial }, () => 1 + rng.int(3));
  const strides = k.map(() => 1 + rng.int(2));
  const dilations = k.map(() => 1 + rng.int(2));
  const pads = [...k, ...k].map(() => rng.int(3));
  const size = k.map((kk, i) => (kk - 1) * dilations[i] + 1 + rng.int(5));
  const x = randn([1 + rng.int(2), C, ...size], rng);
  const w = randn([M, C / g, ...k], rng);
  const attrs: Record<string, AttrValue> =
    t % 7 === 6 ? { auto_pad: pick(rng, ['SAME_UPPER', 'SAME_LOWER', 'VALID']), strides, group: g } : { strides, dilations, pads, group: g };
  return { op: 'Conv', inputs: [x, w, t % 2 ? randn([M], rng) : null], attrs };
}

describe('Conv gradient', () => {
  it('matches finite differences over random shapes and attributes (dX, dW, dB)', async () => {
    const rng = new Rng(31);
    for (let t = 0; t < 22; t++) await check(convCase(rng, t), `case ${t}`);
  });

  it('handles strides that do not divide the input (unused rows) and dilation 2 with stride 2', async () => {
    const rng = new Rng(32);
    for (const [size, k, s, d, pads] of [
      [8, 3, 2, 1, [0, 0, 0, 0]],
      [9, 2, 3, 1, [1, 0, 0, 1]],
      [10, 3, 2, 2, [0, 1, 2, 0]],
      [7, 3, 3, 2, [2, 2, 0, 0]],
    ] as [number, number, number, number, number[]][]) {
      const x = randn([2, 2, size, size - 1], rng);
      const w = randn([3, 2, k, k], rng);
      await check({ op: 'Conv', inputs: [x, w], attrs: { strides: [s, s], dilations: [d, d], pads } });
    }
  });

  it('runs the gradient graph on onnxruntime-web (wasm) with the same numbers as onnxruntime-node', async () => {
    const rng = new Rng(33);
    await expectWasmMatchesNode(rng, [
      { op: 'Conv', inputs: [randn([2, 4, 9, 8], rng), randn([6, 2, 3, 3], rng), randn([6], rng)], attrs: { strides: [2, 2], pads: [1, 0, 1, 2], group: 2 } },
      { op: 'Conv', inputs: [randn([1, 3, 7, 7], rng), randn([3, 1, 3, 3], rng)], attrs: { dilations: [2, 2], pads: [2, 2, 2, 2], group: 3 } },
      { op: 'Conv', inputs: [randn([3, 8, 6, 6], rng), randn([8, 8, 3, 3], rng), randn([8], rng)], attrs: { pads: [1, 1, 1, 1] } },
      { op: 'Conv', inputs: [randn([2, 2, 11], rng), randn([4, 2, 3], rng)], attrs: { strides: [2], pads: [1, 2], dilations: [2] } },
      { op: 'ConvTranspose', inputs: [randn([2, 3, 4, 5], rng), randn([3, 2, 3, 3], rng), randn([2], rng)], attrs: { strides: [2, 2], pads: [1, 1, 0, 1], output_padding: [1, 0] } },
    ]);
  });
});

/** Runs each case's gradient graph (seeded vector-Jacobian product) on both runtimes and compares. */
async function expectWasmMatchesNode(rng: Rng, cases: Case[]) {
  configureWasm({ threads: 1 });
  for (const c of cases) {
    const { graph, feeds, wrt } = buildCase(c);
    const g = grad(graph, { loss: 'y', wrt, seed: 'input' });
    feeds.y_seed = randn(graph.values.get('y')!.shape, rng);
    const bytes = toOnnxBytes(g);
    const outs: Record<string, Tensor>[] = [];
    for (const backend of [nodeBackend, webBackend]) {
      const s = await backend.create(bytes);
      outs.push(await s.run(feeds));
      await s.release();
    }
    for (const name of wrt.map((w) => `${w}_grad`)) {
      const label = `${c.op} ${JSON.stringify(c.attrs)} ${name}`;
      expect(outs[1][name].shape, label).toEqual(outs[0][name].shape);
      expect(closeness(outs[1][name].data as Float32Array, outs[0][name].data as Float32Array, 1e-4, 1e-5), label).toBeLessThan(1);
    }
  }
}

describe('other gradients on onnxruntime-web', () => {
  it('pools, Pad, Resize, MatMul and Gemm match onnxruntime-node', async () => {
    const rng = new Rng(41);
    const nearest = { mode: 'nearest', coordinate_transformation_mode: 'asymmetric', nearest_mode: 'floor' };
    await expectWasmMatchesNode(rng, [
      { op: 'AveragePool', inputs: [randn([2, 3, 7, 6], rng)], attrs: { kernel_shape: [3, 2], strides: [2, 2], pads: [1, 1, 1, 0], ceil_mode: 1 } },
      { op: 'MaxPool', inputs: [randn([2, 3, 7, 6], rng)], attrs: { kernel_shape: [3, 3], strides: [2, 1], pads: [1, 1, 1, 1] } },
      { op: 'GlobalAveragePool', inputs: [randn([2, 3, 5, 4], rng)], attrs: {} },
      { op: 'Pad', inputs: [randn([2, 5, 4], rng)], consts: [i64([6], [0, -1, 2, 1, 1, -2])], attrs: {} },
      { op: 'Resize', inputs: [randn([1, 2, 3, 4], rng)], consts: [null, f32([4], [1, 1, 2, 3])], attrs: nearest },
      { op: 'Resize', inputs: [randn([1, 2, 3, 4], rng)], consts: [null, f32([4], [1, 1, 1.5, 2])], attrs: { mode: 'linear' } },
      { op: 'MatMul', inputs: [randn([2, 1, 3, 4], rng), randn([3, 4, 5], rng)], attrs: {} },
      { op: 'MatMul', inputs: [randn([4], rng), randn([4, 5], rng)], attrs: {} },
      { op: 'Gemm', inputs: [randn([4, 3], rng), randn([5, 4], rng), randn([5], rng)], attrs: { transA: 1, transB: 1, alpha: 0.5, beta: 2 } },
    ]);
  });
});

describe('Conv gradient formulations', () => {
  it('agree with each other: dW by tap slices, swapped-axes Conv, im2col, stacked taps and flat tap windows; dX by ConvTranspose and flipped Conv', async () => {
    const rng = new Rng(39);
    for (let t = 0; t < 10; t++) {
      const { inputs, attrs } = convCase(rng, t);
      const [x, w] = inputs as Tensor[];
      const group = (attrs.group as number) ?? 1;
      const b = new GraphBuilder('forms');
      const xv = b.input('x', 'float32', x.shape);
      const wv = b.input('w', 'float32', w.shape);
      const win = forwardWindow(attrs, x.shape.slice(2), w.shape.slice(2), (m) => {
        throw new Error(m);
      });
      const dy = b.input('dy', 'float32', [x.shape[0], w.shape[0], ...win.outSize]);
      const dws = [convWeightGradTaps, convWeightGradSwapped, convWeightGradIm2col, convWeightGradStacked, convWeightGradFlat].map((f) => f(xv, dy, win, group));
      dws.forEach((d, i) => b.output(d, `dw${i}`));
      b.output(convInputGradTranspose(dy, wv, win, group), 'dx0');
      if (flippedConvApplies(win)) b.output(convInputGradFlipped(dy, wv, win, group), 'dx1');
      const out = await runGraph(nodeBackend, b.build(), { x, w, dy: randn(dy.shape, rng) });
      const label = JSON.stringify({ attrs, x: x.shape, w: w.shape });
      for (const k of ['dw1', 'dw2', 'dw3', 'dw4']) expect(closeness(out[k].data as Float32Array, out.dw0.data as Float32Array, 1e-4, 1e-4), `${k} ${label}`).toBeLessThan(1);
      expect(out.dw0.shape).toEqual(w.shape);
      expect(out.dx0.shape).toEqual(x.shape);
      if (out.dx1) expect(closeness(out.dx1.data as Float32Array, out.dx0.data as Float32Array, 1e-4, 1e-4), `dx ${label}`).toBeLessThan(1);
    }
  });
});

describe('ConvTranspose gradient', () => {
  it('matches finite differences over strides, pads, dilations, groups, output_padding and output_shape', async () => {
    const rng = new Rng(34);
    let done = 0;
    for (let t = 0; done < 14; t++) {
      const spatial = t % 5 === 4 ? 1 : 2;
      const g = pick(rng, [1, 1, 2]);
      const C = g * (1 + rng.int(2));
      const M = g * (1 + rng.int(2));
      const k = Array.from({ length: spatial }, () => 1 + rng.int(3));
      const strides = k.map(() => 1 + rng.int(3));
      const dilations = k.map(() => 1 + rng.int(2));
      const output_padding = strides.map((s) => rng.int(s));
      const pads = [...k, ...k].map(() => rng.int(2));
      const xs = [1 + rng.int(2), C, ...k.map(() => 1 + rng.int(4))];
      const full = xs.slice(2).map((h, i) => strides[i] * (h - 1) + output_padding[i] + (k[i] - 1) * dilations[i] + 1);
      if (full.some((f, i) => f - pads[i] - pads[i + spatial] < 1)) continue;
      const attrs: Record<string, AttrValue> =
        t % 4 === 3 ? { strides, dilations, group: g, output_padding, output_shape: full.map((f) => f - rng.int(2)) } : { strides, dilations, pads, group: g, output_padding };
      const inputs = [randn(xs, rng), randn([C, M / g, ...k], rng), t % 2 ? randn([M], rng) : null];
      await check({ op: 'ConvTranspose', inputs, attrs }, `case ${t}`);
      done++;
    }
  });
});

describe('pool gradients', () => {
  it('AveragePool: pads, strides, count_include_pad, ceil_mode, 1-D and 2-D', async () => {
    const rng = new Rng(35);
    for (let t = 0; t < 14; t++) {
      const spatial = t % 5 === 4 ? 1 : 2;
      const k = Array.from({ length: spatial }, () => 1 + rng.int(3));
      const strides = k.map(() => 1 + rng.int(2));
      const pads = [...k, ...k].map((kk) => rng.int(kk));
      const x = randn([1 + rng.int(2), 1 + rng.int(3), ...k.map((kk) => kk + rng.int(5))], rng);
      const attrs = { kernel_shape: k, strides, pads, count_include_pad: t % 2, ceil_mode: t % 3 === 2 ? 1 : 0 };
      await check({ op: 'AveragePool', inputs: [x], attrs }, `case ${t}`);
    }
  });

  it('MaxPool and GlobalMaxPool: overlapping windows, pads, strides, dilations; forward indices reused', async () => {
    const rng = new Rng(40);
    const cases: Record<string, AttrValue>[] = [
      { kernel_shape: [2, 2], strides: [2, 2] },
      { kernel_shape: [3, 3], strides: [1, 1], pads: [1, 1, 1, 1] },
      { kernel_shape: [3, 2], strides: [2, 1], pads: [1, 0, 0, 1], dilations: [1, 2] },
      { kernel_shape: [3], strides: [2], pads: [1, 1] },
      { kernel_shape: [2, 2], strides: [2, 2], ceil_mode: 1 },
    ];
    for (const attrs of cases) {
      const r = (attrs.kernel_shape as number[]).length;
      // Distinct, well-separated values: the arg-max must not flip under the finite-difference step.
      const x = randn([2, 2, ...(r === 1 ? [9] : [7, 6])], rng);
      const d = x.data as Float32Array;
      const order = [...d.keys()].sort(() => rng.next() - 0.5);
      order.forEach((k, i) => (d[k] = i * 0.1 - d.length * 0.05));
      await check({ op: 'MaxPool', inputs: [x], attrs }, JSON.stringify(attrs));
    }
    const xg = randn([2, 3, 4, 5], rng);
    (xg.data as Float32Array).forEach((_, i, a) => (a[i] = ((i * 37) % 120) * 0.1));
    await check({ op: 'GlobalMaxPool', inputs: [xg], attrs: {} });
    const b = new GraphBuilder('mp2');
    const x = b.input('x', 'float32', [1, 2, 4, 4]);
    const [y, idx] = b.op('MaxPool', [x], { kernel_shape: [2, 2], strides: [1, 1] }, { outputs: 2 });
    b.output(y, 'y');
    b.output(idx, 'idx');
    const ops = grad(b.build(), { loss: 'y', wrt: ['x'] }).nodes.map((n) => n.op);
    expect(ops.filter((o) => o === 'MaxPool').length).toBe(1);
    expect(ops).toContain('ScatterND');
  });

  it('GlobalAveragePool', async () => {
    const rng = new Rng(36);
    await check({ op: 'GlobalAveragePool', inputs: [randn([2, 3, 4, 5], rng)], attrs: {} });
    await check({ op: 'GlobalAveragePool', inputs: [randn([1, 2, 7], rng)], attrs: {} });
  });
});

describe('Pad gradient', () => {
  it('slices dY for positive pads, zero-fills for negative ones, and differentiates constant_value', async () => {
    const rng = new Rng(37);
    const cases: [number[], number[], boolean][] = [
      [[2, 3, 4], [0, 1, 2, 1, 0, 3], false],
      [[1, 2, 5, 4], [0, 0, 1, 2, 0, 0, 2, 1], true],
      [[3, 5], [0, -1, 1, -2], true],
      [[3, 5], [-1, 2, 0, 0], false],
    ];
    for (const [shape, pads, withValue] of cases) {
      const inputs = withValue ? [randn(shape, rng), null, f32([], [0.3])] : [randn(shape, rng)];
      // pads is a constant input in position 1; constant_value (position 2) is differentiable.
      const b = new GraphBuilder('pad');
      const x = b.input('x', 'float32', shape);
      const v = withValue ? b.input('v', 'float32', []) : null;
      b.output(b.op1('Pad', [x, b.constant(i64([pads.length], pads)), v]), 'y');
      const feeds: Record<string, Tensor> = { x: inputs[0]! };
      if (withValue) feeds.v = inputs[2]!;
      const r = await checkGradients(b.build(), { wrt: Object.keys(feeds), feeds, backend: nodeBackend, directions: 2 });
      expect(describeFailures(r), `[${shape}] pads [${pads}]`).toBe('');
    }
  });

  it('matches finite differences for reflect and edge modes', async () => {
    const rng = new Rng(41);
    for (const mode of ['reflect', 'edge'])
      for (const pads of [[0, 0, 2, 1, 0, 0, 1, 3], [0, 1, 1, 0, 0, 2, 0, 2]])
        await check({ op: 'Pad', inputs: [randn([2, 3, 4, 5], rng)], consts: [i64([8], pads)], attrs: { mode } }, `${mode} ${pads}`);
  });

  it('refuses wrap mode by name', () => {
    const b = new GraphBuilder('pad');
    const x = b.input('x', 'float32', [2, 4]);
    b.output(b.op1('Pad', [x, b.ints([0, 1, 0, 1])], { mode: 'wrap' }, { name: 'wrapped' }), 'y');
    expect(() => grad(b.build(), { loss: 'y', wrt: ['x'] })).toThrow(/Pad "wrapped".*wrap/);
  });
});

describe('Resize gradient', () => {
  const cases: [Record<string, AttrValue>, number[] | null, number[] | null][] = [
    [{ mode: 'nearest', coordinate_transformation_mode: 'asymmetric', nearest_mode: 'floor' }, [1, 1, 2, 2], null],
    [{ mode: 'nearest', coordinate_transformation_mode: 'asymmetric', nearest_mode: 'floor' }, [1, 1, 3, 2], null],
    [{ mode: 'nearest', coordinate_transformation_mode: 'half_pixel', nearest_mode: 'round_prefer_floor' }, [1, 1, 2, 3], null],
    [{ mode: 'nearest', coordinate_transformation_mode: 'asymmetric', nearest_mode: 'round_prefer_floor' }, [1, 1, 3, 2], null],
    [{ mode: 'nearest' }, null, [2, 3, 7, 5]],
    [{ mode: 'linear', coordinate_transformation_mode: 'half_pixel' }, [1, 1, 2, 2], null],
    [{ mode: 'linear', coordinate_transformation_mode: 'align_corners' }, null, [2, 3, 7, 9]],
    [{ mode: 'linear', coordinate_transformation_mode: 'pytorch_half_pixel' }, [1, 1, 1.5, 0.75], null],
    [{ mode: 'cubic' }, [1, 1, 2, 2], null],
    [{ mode: 'cubic', coordinate_transformation_mode: 'asymmetric', cubic_coeff_a: -0.5 }, null, [2, 3, 7, 5]],
    [{ mode: 'cubic', coordinate_transformation_mode: 'align_corners', exclude_outside: 1 }, [1, 1, 1.5, 0.75], null],
  ];

  it('matches finite differences for nearest (block and general maps), linear and cubic', async () => {
    const rng = new Rng(38);
    for (const [attrs, scales, sizes] of cases) {
      const consts = [null, scales ? f32([4], scales) : null, sizes ? i64([4], sizes) : null];
      await check({ op: 'Resize', inputs: [randn([2, 3, 4, 6], rng)], consts, attrs }, JSON.stringify([scales, sizes]));
    }
  });

  it('sums blocks with Reshape + ReduceSum for integer nearest upscaling (no MatMul)', () => {
    const b = new GraphBuilder('up');
    const x = b.input('x', 'float32', [1, 2, 3, 4]);
    const attrs = { mode: 'nearest', coordinate_transformation_mode: 'asymmetric', nearest_mode: 'floor' };
    b.output(b.op1('Resize', [x, null, b.constant(f32([4], [1, 1, 2, 2]))], attrs), 'y');
    const ops = grad(b.build(), { loss: 'y', wrt: ['x'] }).nodes.map((n) => n.op);
    expect(ops).toContain('ReduceSum');
    expect(ops).not.toContain('MatMul');
  });
});
