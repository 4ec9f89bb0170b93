import { describe, expect, it } from 'vitest';
import { GraphBuilder, type Value } from '../builder.ts';
import type { AttrValue } from '../ir.ts';
import { toOnnxBytes } from '../onnx/serialize.ts';
import { randn, Rng } from '../random.ts';
import { nodeBackend } from '../session/node.ts';
import { f32, i64, sizeOf, tensor, toNumbers, type Tensor } from '../tensor.ts';

const REDUCTIONS = [
  'ReduceSum', 'ReduceMean', 'ReduceMax', 'ReduceMin', 'ReduceProd',
  'ReduceSumSquare', 'ReduceL1', 'ReduceL2', 'ReduceLogSum', 'ReduceLogSumExp',
] as const;

/** A random reduction spec: rank 1–4, a random subset of axes (some negative) or none, keepdims 0/1. */
function randomCase(rng: Rng) {
  const rank = 1 + rng.int(4);
  const shape = Array.from({ length: rank }, () => 1 + rng.int(4));
  const all = rng.next() < 0.2;
  const axes = all ? undefined : Array.from({ length: rank }, (_, i) => i).filter(() => rng.next() < 0.5);
  if (axes && !axes.length) axes.push(rng.int(rank));
  const signed = axes?.map((a) => (rng.next() < 0.5 ? a - rank : a));
  return { shape, axes: signed, keepdims: rng.int(2) };
}

function addReduce(b: GraphBuilder, op: string, x: Value, axes: number[] | undefined, attrs: Record<string, AttrValue>): Value {
  if (op === 'ReduceSum') return b.op1(op, [x, axes ? b.ints(axes) : null], attrs);
  return b.op1(op, [x], { ...attrs, axes });
}

/** Independent reference: loops over output positions and the reduced coordinates. */
function reference(op: string, x: Tensor, axes: number[] | undefined, keepdims: number): { shape: number[]; data: number[] } {
  const rank = x.shape.length;
  const red = (axes ?? x.shape.map((_, i) => i)).map((a) => (a < 0 ? a + rank : a));
  const outFull = x.shape.map((d, i) => (red.includes(i) ? 1 : d));
  const data: number[] = [];
  const xs = toNumbers(x);
  const strides = x.shape.map((_, i) => x.shape.slice(i + 1).reduce((p, d) => p * d, 1));
  for (let o = 0; o < sizeOf(outFull); o++) {
    const oc = outFull.map((_, i) => Math.floor(o / outFull.slice(i + 1).reduce((p, d) => p * d, 1)) % outFull[i]);
    const vals: number[] = [];
    const redSize = red.reduce((p, a) => p * x.shape[a], 1);
    for (let r = 0; r < redSize; r++) {
      const c = [...oc];
      let rem = r;
      for (let j = red.length - 1; j >= 0; j--) {
        c[red[j]] = rem % x.shape[red[j]];
        rem = Math.floor(rem / x.shape[red[j]]);
      }
      vals.push(xs[c.reduce((p, ci, i) => p + ci * strides[i], 0)]);
    }
    const s = (f: (v: number) => number) => vals.reduce((p, v) => p + f(v), 0);
    const v = {
      ReduceSum: s((v) => v),
      ReduceMean: s((v) => v) / vals.length,
      ReduceMax: Math.max(...vals),
      ReduceMin: Math.min(...vals),
      ReduceProd: vals.reduce((p, v) => p * v, 1),
      ReduceSumSquare: s((v) => v * v),
      ReduceL1: s(Math.abs),
      ReduceL2: Math.sqrt(s((v) => v * v)),
      ReduceLogSum: Math.log(s((v) => v)),
      ReduceLogSumExp: Math.log(s(Math.exp)),
    }[op]!;
    data.push(v);
  }
  return { shape: keepdims ? outFull : outFull.filter((_, i) => !red.includes(i)), data };
}

function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number) {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++)
    expect(Math.abs(actual[i] - expected[i]), `element ${i}: ${actual[i]} vs ${expected[i]}`).toBeLessThanOrEqual(
      tol * (1 + Math.abs(expected[i])),
    );
}

describe('reductions', () => {
  it('infer, fold and onnxruntime agree with a JS reference over random shapes and axes', async () => {
    const rng = new Rng(7);
    for (let t = 0; t < 3; t++) {
      const b = new GraphBuilder('reduce');
      const cases = REDUCTIONS.map((op) => ({ op, ...randomCase(rng) }));
      const feeds: Record<string, Tensor> = {};
      const expected: Record<string, { shape: number[]; data: number[] }> = {};
      for (const [k, c] of cases.entries()) {
        const positive = c.op === 'ReduceLogSum' || c.op === 'ReduceProd';
        const x = randn(c.shape, rng, positive ? 0.3 : 1);
        if (positive) (x.data as Float32Array).forEach((v, i, a) => (a[i] = 0.5 + Math.abs(v)));
        const attrs = { keepdims: c.keepdims };
        const y = addReduce(b, c.op, b.input(`x${k}`, 'float32', c.shape), c.axes, attrs);
        b.output(y, `y${k}`);
        feeds[`x${k}`] = x;
        expected[`y${k}`] = reference(c.op, x, c.axes, c.keepdims);
        expect(y.shape, `${c.op} ${JSON.stringify(c)}`).toEqual(expected[`y${k}`].shape);
        // The same op on a constant folds at build time; the fold must match too.
        const folded = addReduce(b, c.op, b.constant(x), c.axes, attrs).const!;
        expect(folded.shape).toEqual(y.shape);
        expectClose(folded.data as Float32Array, expected[`y${k}`].data, 1e-5);
      }
      const s = await nodeBackend.create(toOnnxBytes(b.build()));
      const out = await s.run(feeds);
      await s.release();
      for (const [name, e] of Object.entries(expected)) {
        expect(out[name].shape, name).toEqual(e.shape);
        expectClose(out[name].data as Float32Array, e.data, 1e-5);
      }
    }
  });

  it('ReduceSum takes axes as an input: omitted or empty reduces all, noop_with_empty_axes keeps the input', async () => {
    const b = new GraphBuilder('rs');
    const x = b.input('x', 'float32', [2, 3]);
    const all = b.op1('ReduceSum', [x], { keepdims: 0 });
    const empty = b.op1('ReduceSum', [x, b.constant(i64([0]))], { keepdims: 1 });
    const noop = b.op1('ReduceSum', [x, b.constant(i64([0]))], { noop_with_empty_axes: 1 });
    expect([all.shape, empty.shape, noop.shape]).toEqual([[], [1, 1], [2, 3]]);
    b.output(all, 'all');
    b.output(empty, 'empty');
    b.output(noop, 'noop');
    const s = await nodeBackend.create(toOnnxBytes(b.build()));
    const xs = f32([2, 3], [1, 2, 3, 4, 5, 6]);
    const out = await s.run({ x: xs });
    await s.release();
    expect(Array.from(out.all.data as Float32Array)).toEqual([21]);
    expect(out.empty.shape).toEqual([1, 1]);
    expect(Array.from(out.noop.data as Float32Array)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('folds int64 shape arithmetic to constants', () => {
    const b = new GraphBuilder('fold');
    const dims = b.constant(i64([2, 3], [2, 3, 4, 5, 6, 7]));
    const prod = b.op1('ReduceProd', [dims], { axes: [1], keepdims: 0 });
    const sum = b.op1('ReduceSum', [dims, b.ints([0])], { keepdims: 1 });
    const max = b.op1('ReduceMax', [dims], { keepdims: 0 });
    expect(prod.const && toNumbers(prod.const)).toEqual([24, 210]);
    expect(prod.const!.dtype).toBe('int64');
    expect(sum.const && [sum.const.shape, toNumbers(sum.const)]).toEqual([[1, 3], [7, 9, 11]]);
    expect(max.const && toNumbers(max.const)).toEqual([7]);
    expect(b.graph.nodes.length).toBe(0);
  });

  it('fails at build time on a bad axis, a repeated axis or non-constant axes', () => {
    const b = new GraphBuilder('bad');
    const x = b.input('x', 'float32', [2, 3]);
    expect(() => b.op1('ReduceMean', [x], { axes: [2] }, { name: 'm' })).toThrow(/ReduceMean "m": axis 2 is out of range for rank 2/);
    expect(() => b.op1('ReduceMax', [x], { axes: [1, -1] })).toThrow(/repeat/);
    const axes = b.input('axes', 'int64', [1]);
    expect(() => b.op1('ReduceSum', [x, axes])).toThrow(/axes \(input 1\) must be a constant/);
    expect(() => b.op1('ReduceSum', [x, b.constant(i64([1, 1], [0]))])).toThrow(/1-D/);
    expect(() => b.op1('ReduceL2', [b.input('n', 'int64', [3])])).toThrow(/float/);
  });
});

describe('ArgMax / ArgMin', () => {
  it('match onnxruntime and a fold, with keepdims, negative axes and select_last_index', async () => {
    const rng = new Rng(3);
    const b = new GraphBuilder('arg');
    const feeds: Record<string, Tensor> = {};
    const folded: Record<string, Tensor> = {};
    let k = 0;
    for (const op of ['ArgMax', 'ArgMin'])
      for (const axis of [0, -1, 1])
        for (const keepdims of [0, 1])
          for (const last of [0, 1]) {
            // Small integers so ties happen and select_last_index matters.
            const xt = tensor('float32', [3, 4, 2], Array.from({ length: 24 }, () => rng.int(3)));
            const attrs = { axis, keepdims, select_last_index: last };
            const y = b.op1(op, [b.input(`x${k}`, 'float32', [3, 4, 2])], attrs);
            expect(y.dtype).toBe('int64');
            b.output(y, `y${k}`);
            feeds[`x${k}`] = xt;
            folded[`y${k}`] = b.op1(op, [b.constant(xt)], attrs).const!;
            k++;
          }
    const s = await nodeBackend.create(toOnnxBytes(b.build()));
    const out = await s.run(feeds);
    await s.release();
    for (const [name, f] of Object.entries(folded)) {
      expect(out[name].shape, name).toEqual(f.shape);
      expect(toNumbers(out[name]), name).toEqual(toNumbers(f));
    }
  });
});
