import { describe, expect, it } from 'vitest';
import { GraphBuilder } from '../builder.ts';
import type { AttrValue, Graph } from '../ir.ts';
import { toOnnxBytes } from '../onnx/serialize.ts';
import { closeness } from '../ops/test-run.ts';
import { randn, Rng } from '../random.ts';
import { nodeBackend } from '../session/node.ts';
import { configureWasm, webBackend } from '../session/web.ts';
import { f32, i64, type Tensor } from '../tensor.ts';
import { checkGradients, describeFailures } from './check.ts';
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
    configureWasm({ threads: 1 });
    const rng = new Rng(33);
    const cases: Case[] = [
      { op: 'Conv', inputs: [randn([2, 4, 9, 8], rng), randn([6, 2, 3, 3], rng), randn([6], rng)], attrs: { strides: [2, 2], pads: [1, 0, 1, 2], group: 2 } },
      { op: 'Conv', inputs: [randn([1, 3, 7, 7], rng), randn([3, 1, 3, 3], rng)], attrs: { dilations: [2, 2], pads: [2, 2, 2, 2], group: 3 } },
      { op: 'ConvTranspose', inputs: [randn([2, 3, 4, 5], rng), randn([3, 2, 3, 3], rng), randn([2], rng)], attrs: { strides: [2, 2], pads: [1, 1, 0, 1], output_padding: [1, 0] } },
    ];
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
        expect(outs[1][name].shape).toEqual(outs[0][name].shape);
        expect(closeness(outs[1][name].data as Float32Array, outs[0][name].data as Float32Array, 1e-4, 1e-5), `${c.op} ${name}`).toBeLessThan(1);
      }
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

  it('refuses reflect and edge modes by name', () => {
    const b = new GraphBuilder('pad');
    const x = b.input('x', 'float32', [2, 4]);
    b.output(b.op1('Pad', [x, b.ints([0, 1, 0, 1])], { mode: 'reflect' }, { name: 'refl' }), 'y');
    expect(() => grad(b.build(), { loss: 'y', wrt: ['x'] })).toThrow(/Pad "refl".*reflect/);
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
  ];

  it('matches finite differences for nearest (block and general maps) and linear', async () => {
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
