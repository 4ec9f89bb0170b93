import { describe, expect, it } from 'vitest';
import { GraphBuilder, type Value } from '../builder.ts';
import type { AttrValue } from '../ir.ts';
import { toOnnxBytes } from '../onnx/serialize.ts';
import { randn, Rng } from '../random.ts';
import { nodeBackend } from '../session/node.ts';
import { f32, i64, sizeOf, tensor, toNumbers, type Tensor } from '../tensor.ts';
import { ShapeError } from './types.ts';

/** An op input: fed at run time, or a constant known when building (shape-like inputs must be). */
type In = { t: Tensor; feed?: boolean } | null;
const feed = (t: Tensor): In => ({ t, feed: true });
const konst = (t: Tensor): In => ({ t });

const INT64_MAX = 9223372036854775807n;
const INT64_MIN = -9223372036854775808n;

/**
 * Builds the op twice: once with its data inputs fed at run time (onnxruntime-node computes it),
 * once with every input constant (the builder folds it). Both must agree with each other in
 * shape and values, and the inferred shapes must be what onnxruntime actually produced.
 */
async function agree(op: string, ins: In[], attrs: Record<string, AttrValue> = {}, outputs = 1): Promise<Tensor[]> {
  const run = new GraphBuilder(op);
  const feeds: Record<string, Tensor> = {};
  const args = ins.map((x, i): Value | null => {
    if (!x) return null;
    if (!x.feed) return run.constant(x.t);
    feeds[`in${i}`] = x.t;
    return run.input(`in${i}`, x.t.dtype, x.t.shape);
  });
  const outs = run.op(op, args, attrs, { outputs, noFold: true });
  outs.forEach((v, i) => run.output(v, `out${i}`));
  const s = await nodeBackend.create(toOnnxBytes(run.build()));
  const res = await s.run(feeds);
  await s.release();

  const fold = new GraphBuilder(op);
  const folded = fold.op(op, ins.map((x) => (x ? fold.constant(x.t) : null)), attrs, { outputs });
  expect(fold.graph.nodes.length, `${op} should fold`).toBe(0);

  return outs.map((v, i) => {
    const got = res[`out${i}`];
    expect([...got.shape], `${op} output ${i}: inferred vs onnxruntime`).toEqual([...v.shape]);
    const c = folded[i].const!;
    expect(c.shape, `${op} output ${i}: folded shape`).toEqual([...v.shape]);
    expect(c.dtype).toBe(got.dtype);
    expect(toNumbers(c), `${op} output ${i}: folded values vs onnxruntime`).toEqual(toNumbers(got));
    return got;
  });
}

function randShape(rng: Rng, rank: number, max = 4): number[] {
  return Array.from({ length: rank }, () => 1 + rng.int(max));
}

function perm(rng: Rng, n: number): number[] {
  const p = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [p[i], p[j]] = [p[j], p[i]];
  }
  return p;
}

const rng = new Rng(7);

describe('shape operators agree with onnxruntime and fold to the same values', () => {
  it('Reshape with 0, -1 and allowzero', async () => {
    for (let k = 0; k < 4; k++) {
      const shape = randShape(rng, 3);
      const x = randn(shape, rng);
      await agree('Reshape', [feed(x), konst(i64([3], [0, -1, shape[2]]))]);
      await agree('Reshape', [feed(x), konst(i64([2], [-1, shape[1] * shape[2]]))]);
    }
    // allowzero keeps a literal 0 (an empty tensor).
    const empty = f32([2, 0]);
    const [y] = await agree('Reshape', [feed(empty), konst(i64([3], [0, 3, 2]))], { allowzero: 1 });
    expect(y.shape).toEqual([0, 3, 2]);
  });

  it('Flatten at every axis', async () => {
    const x = randn([2, 3, 4], rng);
    for (const axis of [-3, -1, 0, 1, 2, 3]) await agree('Flatten', [feed(x)], { axis });
    await agree('Flatten', [feed(x)]);
  });

  it('Transpose with random and default perms', async () => {
    for (let r = 1; r <= 4; r++) {
      const x = randn(randShape(rng, r), rng);
      await agree('Transpose', [feed(x)], { perm: perm(rng, r) });
      await agree('Transpose', [feed(x)]);
    }
  });

  it('Concat along positive and negative axes, float and int64', async () => {
    for (let k = 0; k < 4; k++) {
      const r = 1 + rng.int(3);
      const axis = rng.int(2 * r) - r;
      const shape = randShape(rng, r);
      const parts = [0, 1, 2].map(() => {
        const s = [...shape];
        s[(axis + r) % r] = 1 + rng.int(3);
        return randn(s, rng);
      });
      await agree('Concat', parts.map(feed), { axis });
    }
    await agree('Concat', [konst(i64([2], [1, 2])), feed(i64([1], [3])), feed(i64([0]))], { axis: 0 });
  });

  it('Split with a split input and in equal parts', async () => {
    const x = randn([4, 6], rng);
    await agree('Split', [feed(x), konst(i64([3], [1, 2, 3]))], { axis: 1 }, 3);
    await agree('Split', [feed(x), konst(i64([2], [3, 1]))], { axis: -2 }, 2);
    const outs = await agree('Split', [feed(x)], { axis: 1 }, 3);
    expect(outs.map((o) => [...o.shape])).toEqual([[4, 2], [4, 2], [4, 2]]);
  });

  it('Slice with negative, clamped, INT64 extreme indices and negative steps', async () => {
    const x = randn([5, 6, 7], rng);
    const cases: [bigint[], bigint[], bigint[] | null, bigint[] | null][] = [
      [[1n], [INT64_MAX], [1n], null],
      [[-3n], [-1n], [-1n], null],
      [[INT64_MAX], [INT64_MIN], [0n], [-1n]],
      [[-1n, 0n], [INT64_MIN, 100n], [2n, 0n], [-2n, 3n]],
      [[10n, -100n, 2n], [0n, 100n, 3n], null, [-3n, 2n, 1n]],
      [[3n], [3n], [1n], null], // empty
    ];
    for (const [s, e, a, st] of cases)
      await agree('Slice', [
        feed(x),
        konst(i64([s.length], s)),
        konst(i64([e.length], e)),
        a ? konst(i64([a.length], a)) : null,
        st ? konst(i64([st.length], st)) : null,
      ]);
    // Random slices.
    for (let k = 0; k < 6; k++) {
      const step = (1 + rng.int(3)) * (rng.next() < 0.5 ? -1 : 1);
      const start = rng.int(16) - 8;
      const end = rng.int(16) - 8;
      await agree('Slice', [feed(x), konst(i64([1], [start])), konst(i64([1], [end])), konst(i64([1], [-1])), konst(i64([1], [step]))]);
    }
  });

  it('Gather along any axis, with negative, repeated, scalar and int32 indices', async () => {
    const x = randn([3, 4, 5], rng);
    for (let axis = -3; axis < 3; axis++) {
      const dim = x.shape[(axis + 3) % 3];
      const idx = i64([2, 3], Array.from({ length: 6 }, () => rng.int(2 * dim) - dim));
      await agree('Gather', [feed(x), feed(idx)], { axis });
      await agree('Gather', [feed(x), konst(idx)], { axis });
    }
    await agree('Gather', [feed(x), feed(i64([], [-1]))], { axis: 1 });
    await agree('Gather', [feed(x), feed(tensor('int32', [4], [0, 2, 2, -3]))], { axis: 0 });
    // Shape arithmetic: picking a dimension out of a shape vector.
    await agree('Gather', [feed(i64([4], [2, 3, 5, 7])), konst(i64([], [0]))], { axis: 0 });
  });

  it('GatherElements and ScatterND', async () => {
    const x = randn([3, 4], rng);
    await agree('GatherElements', [feed(x), feed(i64([2, 4], [0, 1, 2, -1, 2, 2, 0, 1]))], { axis: 0 });
    await agree('GatherElements', [feed(x), feed(i64([3, 2], [0, 3, -1, 1, 2, 2]))], { axis: 1 });
    const upd = randn([4, 4], rng);
    const idx = i64([4, 1], [2, 0, 2, -1]);
    await agree('ScatterND', [feed(x), feed(idx), feed(upd)], { reduction: 'add' });
    await agree('ScatterND', [feed(x), feed(i64([2, 2], [0, 1, 2, 3])), feed(f32([2], [5, 6]))]);
  });

  it('Squeeze and Unsqueeze with axes inputs', async () => {
    const x = randn([1, 3, 1, 2], rng);
    await agree('Squeeze', [feed(x)]);
    await agree('Squeeze', [feed(x), konst(i64([0]))]);
    await agree('Squeeze', [feed(x), konst(i64([2], [0, -2]))]);
    await agree('Unsqueeze', [feed(x), konst(i64([2], [0, -1]))]);
    await agree('Unsqueeze', [feed(randn([2, 3], rng)), konst(i64([3], [1, 3, 4]))]);
    await agree('Unsqueeze', [feed(i64([], [5])), konst(i64([1], [0]))]);
  });

  it('Expand (both directions) and Tile', async () => {
    await agree('Expand', [feed(randn([3, 1], rng)), konst(i64([3], [2, 1, 4]))]);
    await agree('Expand', [feed(randn([2, 1, 3], rng)), konst(i64([2], [5, 1]))]);
    await agree('Tile', [feed(randn([2, 3], rng)), konst(i64([2], [3, 2]))]);
    await agree('Tile', [feed(randn([2, 1, 2], rng)), konst(i64([3], [1, 4, 0]))]);
  });

  it('Shape with start/end, Size, Range, ConstantOfShape, Dropout', async () => {
    const x = randn([2, 3, 4, 5], rng);
    await agree('Shape', [feed(x)]);
    for (const [start, end] of [[1, 3], [-2, 10], [-10, -1], [3, 1]]) await agree('Shape', [feed(x)], { start, end });
    await agree('Size', [feed(x)]);
    await agree('Range', [konst(i64([], [2])), konst(i64([], [11])), konst(i64([], [3]))]);
    await agree('Range', [konst(f32([], [1])), konst(f32([], [-2])), konst(f32([], [-0.5]))]);
    await agree('Range', [konst(i64([], [5])), konst(i64([], [1])), konst(i64([], [1]))]);
    await agree('ConstantOfShape', [konst(i64([2], [2, 3]))], { value: i64([1], [7]) });
    await agree('Dropout', [feed(x), konst(f32([], [0.3]))], {}, 2);
  });

  it('Constant from each value attribute', async () => {
    const b = new GraphBuilder('c');
    const cases: [Record<string, AttrValue>, number[], number[]][] = [
      [{ value: f32([2], [1.5, 2]) }, [2], [1.5, 2]],
      [{ value_float: 0.25 }, [], [0.25]],
      [{ value_floats: [1, 2, 3] }, [3], [1, 2, 3]],
      [{ value_int: 4 }, [], [4]],
      [{ value_ints: [4, -1] }, [2], [4, -1]],
    ];
    cases.forEach(([attrs, shape], i) => {
      const v = b.op1('Constant', [], attrs);
      expect(v.shape).toEqual(shape);
      b.output(v, `c${i}`);
    });
    const s = await nodeBackend.create(toOnnxBytes(b.build()));
    const res = await s.run({});
    await s.release();
    cases.forEach(([, shape, data], i) => {
      expect(res[`c${i}`].shape).toEqual(shape);
      expect(toNumbers(res[`c${i}`])).toEqual(data);
    });
    expect(() => b.op1('Constant', [], {})).toThrow(ShapeError);
    expect(() => b.op1('Constant', [], { value_int: 1, value_float: 2 })).toThrow(/exactly one/);
  });
});

describe('shape operators reject bad shapes and attributes at build time', () => {
  const b = new GraphBuilder('bad');
  const x = b.input('x', 'float32', [2, 3, 4]);
  const runtimeShape = b.input('s', 'int64', [2]);
  const z = b.input('z', 'float32', [2, 4, 4]);
  const cases: [string, () => unknown, RegExp][] = [
    ['Reshape size', () => b.op1('Reshape', [x, b.ints([5, 5])]), /cannot reshape/],
    ['Reshape two -1', () => b.op1('Reshape', [x, b.ints([-1, -1])]), /more than one -1/],
    ['Reshape runtime shape', () => b.op1('Reshape', [x, runtimeShape]), /constant known when the graph is built/],
    ['Transpose perm', () => b.op1('Transpose', [x], { perm: [0, 0, 1] }), /not a permutation/],
    ['Concat mismatch', () => b.op1('Concat', [x, z], { axis: 0 }), /differ outside axis/],
    ['Concat no axis', () => b.op1('Concat', [x, x]), /axis attribute is required/],
    ['Split sum', () => b.op('Split', [x, b.ints([1, 1])], { axis: 1 }, { outputs: 2 }), /does not add up/],
    ['Split uneven', () => b.op('Split', [x], { axis: 1 }, { outputs: 2 }), /equal parts/],
    ['Slice axis', () => b.op1('Slice', [x, b.ints([0]), b.ints([1]), b.ints([3])]), /out of range/],
    ['Slice step 0', () => b.op1('Slice', [x, b.ints([0]), b.ints([1]), b.ints([0]), b.ints([0])]), /step 0/],
    ['Gather index', () => b.op1('Gather', [x, b.ints([0, 2])], { axis: 0 }), /index 2 is out of range/],
    ['Gather float indices', () => b.op1('Gather', [x, b.scalar(0)]), /int64 or int32/],
    ['Squeeze non-1', () => b.op1('Squeeze', [x, b.ints([1])]), /cannot squeeze axis 1/],
    ['Unsqueeze repeat', () => b.op1('Unsqueeze', [x, b.ints([0, -5])]), /repeat an axis/],
    ['Expand', () => b.op1('Expand', [x, b.ints([3, 1, 1])]), /cannot expand/],
    ['Tile rank', () => b.op1('Tile', [x, b.ints([1, 2])]), /repeats/],
    ['Dropout training', () => b.op1('Dropout', [x, null, b.constant(tensor('bool', [], [1]))]), /training-mode/],
  ];
  for (const [what, fn, msg] of cases)
    it(what, () => {
      expect(fn).toThrow(ShapeError);
      expect(fn).toThrow(msg);
    });

  it('names the op and node in the error', () => {
    expect(() => b.op1('Transpose', [x], { perm: [1] }, { name: 'my_t' })).toThrow(/^Transpose "my_t"/);
  });

  it('folds an exporter shape chain to a constant', () => {
    const g = new GraphBuilder('chain');
    const c = g.constant(randn([2, 3, 4], rng));
    const shape = g.op1('Shape', [c]);
    const d0 = g.op1('Unsqueeze', [g.op1('Gather', [shape, g.constant(i64([], [0]))], { axis: 0 }), g.ints([0])]);
    const spec = g.op1('Concat', [d0, g.ints([-1])], { axis: 0 });
    expect(toNumbers(spec.const!)).toEqual([2, -1]);
    expect(g.graph.nodes.length).toBe(0);
    expect(sizeOf(g.op1('Reshape', [c, spec]).shape)).toBe(24);
  });
});
