import { describe, expect, it } from 'vitest';
import { GraphBuilder } from '../builder.ts';
import type { DType } from '../dtype.ts';
import type { AttrValue } from '../ir.ts';
import { toOnnxBytes } from '../onnx/serialize.ts';
import { randn, Rng, uniform } from '../random.ts';
import { nodeBackend } from '../session/node.ts';
import { f32, i64, tensor, type Tensor } from '../tensor.ts';
import { floatToHalf, halfToFloat } from './elementwise-fold.ts';

const rng = new Rng(99);
const ints = (dtype: DType, shape: number[], lo: number, hi: number) =>
  tensor(dtype, shape, Array.from({ length: shape.reduce((a, d) => a * d, 1) }, () => lo + rng.int(hi - lo + 1)));
const bools = (shape: number[]) => ints('bool', shape, 0, 1);
const positive = (shape: number[]) => uniform(shape, rng, 0.25, 3);
/** Halves and small integers: ties for Round, equal pairs for comparisons. */
const halves = (shape: number[]) => {
  const t = f32(shape);
  (t.data as Float32Array).forEach((_, i, a) => (a[i] = (rng.int(13) - 6) / 2));
  return t;
};

/** Runs one node on onnxruntime-node with every input fed at run time. */
async function runOnOrt(op: string, inputs: (Tensor | null)[], attrs: Record<string, AttrValue>) {
  const b = new GraphBuilder('t');
  const vs = inputs.map((t, i) => (t ? b.input(`x${i}`, t.dtype, t.shape) : null));
  const y = b.op1(op, vs, attrs);
  b.output(y, 'y');
  const s = await nodeBackend.create(toOnnxBytes(b.build()));
  try {
    const feeds = Object.fromEntries(inputs.flatMap((t, i) => (t ? [[`x${i}`, t]] : [])));
    return { inferred: { dtype: y.dtype, shape: [...y.shape] }, out: (await s.run(feeds)).y };
  } finally {
    await s.release();
  }
}

/** The same node with constant inputs: the builder must fold it. */
function fold(op: string, inputs: (Tensor | null)[], attrs: Record<string, AttrValue>): Tensor {
  const b = new GraphBuilder('f');
  const y = b.op1(op, inputs.map((t) => (t ? b.constant(t) : null)), attrs);
  expect(b.graph.nodes.length).toBe(0);
  return y.const!;
}

const numbers = (t: Tensor) => Array.from(t.data as ArrayLike<number | bigint>, (v) => (t.dtype === 'float16' ? halfToFloat(Number(v)) : v));

function expectSameValues(actual: Tensor, expected: Tensor) {
  expect(actual.dtype).toBe(expected.dtype);
  expect(actual.shape).toEqual(expected.shape);
  const a = numbers(actual);
  const e = numbers(expected);
  if (expected.dtype === 'float32' || expected.dtype === 'float64' || expected.dtype === 'float16')
    e.forEach((v, i) => {
      const x = a[i] as number;
      const y = v as number;
      if (Number.isNaN(y) || !Number.isFinite(y)) expect(x).toBe(y);
      else expect(Math.abs(x - y), `element ${i}: ${x} vs ${y}`).toBeLessThanOrEqual(1e-6 + 1e-5 * Math.abs(y));
    });
  else expect(a).toEqual(e);
}

interface Case {
  op: string;
  inputs: (Tensor | null)[];
  attrs?: Record<string, AttrValue>;
  /** Values the op must produce, where the semantics are worth spelling out. */
  expected?: (number | bigint)[];
  /** A JS reference for ops that are not folded. */
  reference?: (x: number) => number;
}

/** erf by its Maclaurin series; exact to double precision for |x| < 3. */
function erf(x: number): number {
  let term = x;
  let sum = x;
  for (let n = 1; n < 80; n++) {
    term *= (-x * x) / n;
    sum += term / (2 * n + 1);
  }
  return (2 / Math.sqrt(Math.PI)) * sum;
}

const S = [2, 3, 4];
const CASES: Case[] = [
  // Broadcasting arithmetic, float and int.
  { op: 'Add', inputs: [randn(S, rng), randn([4], rng)] },
  { op: 'Add', inputs: [ints('int64', [3, 1], -9, 9), ints('int64', [1, 4], -9, 9)] },
  { op: 'Sub', inputs: [randn([3, 1], rng), randn([2, 1, 4], rng)] },
  { op: 'Sub', inputs: [ints('int32', [4], -9, 9), ints('int32', [], -9, 9)] },
  { op: 'Mul', inputs: [randn([], rng), randn(S, rng)] },
  { op: 'Mul', inputs: [ints('int64', S, -9, 9), ints('int64', [4], -9, 9)] },
  { op: 'Div', inputs: [randn(S, rng), positive([3, 1])] },
  { op: 'Div', inputs: [i64([4], [7, -7, 7, -7]), i64([4], [2, 2, -2, -2])], expected: [3n, -3n, -3n, 3n] },
  { op: 'Mod', inputs: [i64([4], [7, -7, 7, -7]), i64([4], [3, 3, -3, -3])], expected: [1n, 2n, -2n, -1n] },
  { op: 'Mod', inputs: [i64([4], [7, -7, 7, -7]), i64([4], [3, 3, -3, -3])], attrs: { fmod: 1 }, expected: [1n, -1n, 1n, -1n] },
  { op: 'Mod', inputs: [f32([3], [5.5, -5.5, 2]), f32([], [2])], attrs: { fmod: 1 }, expected: [1.5, -1.5, 0] },
  { op: 'Pow', inputs: [positive(S), randn([4], rng)] },
  { op: 'Pow', inputs: [randn([3, 4], rng), i64([4], [0, 1, 2, 3])] },
  { op: 'Pow', inputs: [ints('int64', [5], -3, 3), i64([], [3])] },
  // Variadic.
  { op: 'Sum', inputs: [randn(S, rng), randn([4], rng), randn([3, 1], rng)] },
  { op: 'Sum', inputs: [randn([3], rng)] },
  { op: 'Mean', inputs: [randn(S, rng), randn([3, 1], rng)] },
  { op: 'Max', inputs: [randn(S, rng), randn([4], rng), randn([3, 1], rng)] },
  { op: 'Min', inputs: [randn([3, 1], rng), randn([1, 4], rng)] },
  { op: 'Max', inputs: [ints('int64', [4], -9, 9), ints('int64', [], -9, 9)] },
  { op: 'Min', inputs: [ints('int32', [2, 2], -9, 9), ints('int32', [2, 1], -9, 9)] },
  // Unary.
  { op: 'Identity', inputs: [randn(S, rng)] },
  { op: 'Identity', inputs: [ints('int64', [3], -9, 9)] },
  { op: 'Neg', inputs: [randn(S, rng)] },
  { op: 'Neg', inputs: [ints('int64', [5], -9, 9)] },
  { op: 'Abs', inputs: [randn(S, rng)] },
  { op: 'Abs', inputs: [ints('int32', [5], -9, 9)] },
  { op: 'Sign', inputs: [halves([7])] },
  { op: 'Sign', inputs: [i64([3], [-4, 0, 9])], expected: [-1n, 0n, 1n] },
  { op: 'Sqrt', inputs: [positive(S)] },
  { op: 'Reciprocal', inputs: [positive([5])] },
  { op: 'Exp', inputs: [randn(S, rng)] },
  { op: 'Log', inputs: [positive(S)] },
  { op: 'Erf', inputs: [randn(S, rng)], reference: erf },
  { op: 'Floor', inputs: [halves(S)] },
  { op: 'Ceil', inputs: [halves(S)] },
  { op: 'Round', inputs: [f32([6], [-2.5, -1.5, -0.5, 0.5, 1.5, 2.7])], expected: [-2, -2, -0, 0, 2, 3] },
  { op: 'Round', inputs: [halves(S)] },
  { op: 'Relu', inputs: [randn(S, rng)] },
  { op: 'LeakyRelu', inputs: [randn(S, rng)] },
  { op: 'LeakyRelu', inputs: [randn([5], rng)], attrs: { alpha: 0.3 } },
  { op: 'Sigmoid', inputs: [f32([5], [-30, -2, 0, 2, 30])] },
  { op: 'Tanh', inputs: [randn(S, rng)] },
  { op: 'Softplus', inputs: [f32([5], [-30, -2, 0, 2, 30])] },
  { op: 'Clip', inputs: [randn(S, rng), f32([], [-0.5]), f32([], [0.5])] },
  { op: 'Clip', inputs: [randn([5], rng), f32([1], [-0.2])] },
  { op: 'Clip', inputs: [randn([5], rng), null, f32([], [0.1])] },
  { op: 'Clip', inputs: [randn([5], rng)] },
  { op: 'Clip', inputs: [randn([6], rng), f32([], [0.5]), f32([], [-0.5])] },
  { op: 'Clip', inputs: [ints('int64', [6], -9, 9), i64([], [-2]), i64([], [3])] },
  // Types and selection.
  { op: 'Cast', inputs: [f32([5], [-2.7, -0.5, 0, 1.9, 3])], attrs: { to: 7 }, expected: [-2n, 0n, 0n, 1n, 3n] },
  { op: 'Cast', inputs: [f32([4], [-2, 0, 0.25, NaN])], attrs: { to: 9 }, expected: [1, 0, 1, 1] },
  { op: 'Cast', inputs: [ints('int64', [4], -99, 99)], attrs: { to: 1 } },
  { op: 'Cast', inputs: [bools([5])], attrs: { to: 1 } },
  { op: 'Cast', inputs: [ints('int64', [4], -99, 99)], attrs: { to: 6 } },
  { op: 'Cast', inputs: [randn([6], rng)], attrs: { to: 10 } },
  { op: 'Cast', inputs: [randn([6], rng)], attrs: { to: 11 } },
  { op: 'Where', inputs: [bools([3, 1]), randn(S, rng), randn([4], rng)] },
  { op: 'Where', inputs: [bools([4]), ints('int64', [3, 1], -9, 9), i64([], [-1])] },
  // Comparisons and predicates.
  { op: 'Equal', inputs: [halves(S), halves([4])] },
  { op: 'Equal', inputs: [ints('int64', [6], -2, 2), ints('int64', [6], -2, 2)] },
  { op: 'Equal', inputs: [bools([4]), bools([2, 1])] },
  { op: 'Less', inputs: [halves(S), halves([3, 1])] },
  { op: 'Greater', inputs: [ints('int64', [6], -2, 2), i64([], [0])] },
  { op: 'LessOrEqual', inputs: [halves([6]), halves([6])] },
  { op: 'GreaterOrEqual', inputs: [ints('int32', [2, 3], -2, 2), ints('int32', [3], -2, 2)] },
  { op: 'IsNaN', inputs: [f32([4], [NaN, 1, Infinity, -0])], expected: [1, 0, 0, 0] },
  { op: 'IsInf', inputs: [f32([4], [NaN, Infinity, -Infinity, 1])], expected: [0, 1, 1, 0] },
  { op: 'IsInf', inputs: [f32([3], [Infinity, -Infinity, 1])], attrs: { detect_positive: 0 }, expected: [0, 1, 0] },
  { op: 'IsInf', inputs: [f32([3], [Infinity, -Infinity, 1])], attrs: { detect_negative: 0 }, expected: [1, 0, 0] },
  // Logic.
  { op: 'Not', inputs: [bools([5])] },
  { op: 'And', inputs: [bools([3, 4]), bools([4])] },
  { op: 'Or', inputs: [bools([3, 1]), bools([1, 4])] },
  { op: 'Xor', inputs: [bools([2, 2]), bools([2, 2])] },
];

describe('elementwise forward: inferred shape and dtype, folded values, against onnxruntime-node', () => {
  CASES.forEach((c, n) => {
    const sig = c.inputs.map((t) => (t ? `${t.dtype}[${t.shape}]` : '∅')).join(', ');
    it(`${n}: ${c.op}(${sig})${c.attrs ? ` ${JSON.stringify(c.attrs)}` : ''}`, async () => {
      const attrs = c.attrs ?? {};
      const { inferred, out } = await runOnOrt(c.op, c.inputs, attrs);
      expect(out.dtype).toBe(inferred.dtype);
      expect(out.shape).toEqual(inferred.shape);
      if (c.reference) {
        const x = c.inputs[0]!.data as Float32Array;
        expectSameValues(out, f32(out.shape, Array.from(x, c.reference)));
      } else {
        const k = fold(c.op, c.inputs, attrs);
        if (inferred.dtype === 'bool') expect(k.data).toBeInstanceOf(Uint8Array);
        expectSameValues(out, k);
      }
      if (c.expected) expect(numbers(out)).toEqual(c.expected);
    });
  });
});

describe('elementwise build-time failures name the op and node', () => {
  const fails = (op: string, ins: [DType, number[]][], attrs: Record<string, AttrValue>, msg: RegExp) =>
    it(`${op}: ${msg.source}`, () => {
      const b = new GraphBuilder('bad');
      const vs = ins.map(([d, s], i) => (s ? b.input(`x${i}`, d, s) : null));
      expect(() => b.op1(op, vs, attrs, { name: 'node7' })).toThrow(new RegExp(`${op} "node7": .*${msg.source}`));
    });
  fails('Add', [['float32', [2, 3]], ['float32', [4]]], {}, /do not broadcast/);
  fails('Mul', [['float32', [2, 3]], ['int64', [3]]], {}, /different types/);
  fails('Max', [['float32', [3]], ['float32', [3]], ['float32', [2]]], {}, /do not broadcast/);
  fails('Sqrt', [['int64', [3]]], {}, /input 0 is int64/);
  fails('Not', [['float32', [3]]], {}, /input 0 is float32/);
  fails('Equal', [['bool', [3]], ['float32', [3]]], {}, /different types/);
  fails('Where', [['float32', [3]], ['float32', [3]], ['float32', [3]]], {}, /input 0 is float32/);
  fails('Where', [['bool', [3]], ['float32', [3]], ['int64', [3]]], {}, /X is float32 but Y is int64/);
  fails('Where', [['bool', [2]], ['float32', [3]], ['float32', [3]]], {}, /do not broadcast/);
  fails('Clip', [['float32', [3]], ['float32', [2]]], {}, /min must be a scalar/);
  fails('Clip', [['float32', [3]], ['float64', []]], {}, /min is float64/);
  fails('Cast', [['float32', [3]]], {}, /"to" is required/);
  fails('Cast', [['float32', [3]]], { to: 8 }, /cannot cast to ONNX element type 8/);
  fails('Mod', [['float32', [3]], ['float32', [3]]], {}, /fmod=1/);
  fails('Pow', [['bool', [3]], ['float32', [3]]], {}, /input 0 is bool/);
  fails('Sum', [], {}, /at least one input/);
});

describe('elementwise folding', () => {
  it('keeps int64 exact beyond 2^53 (INT64_MAX is how exporters say "to the end")', () => {
    const b = new GraphBuilder('f');
    const max = b.constant(i64([2], [9223372036854775807n, 5n]));
    expect(b.op1('Min', [max, b.constant(i64([], [7]))]).const!.data).toEqual(BigInt64Array.from([7n, 5n]));
    expect(b.op1('Max', [max, b.constant(i64([], [7]))]).const!.data).toEqual(BigInt64Array.from([9223372036854775807n, 7n]));
    expect(b.op1('Add', [b.constant(i64([], [2n ** 60n])), b.constant(i64([], [1]))]).const!.data[0]).toBe(2n ** 60n + 1n);
    expect(b.op1('Clip', [max, b.constant(i64([], [0])), b.constant(i64([], [9223372036854775806n]))]).const!.data).toEqual(
      BigInt64Array.from([9223372036854775806n, 5n]),
    );
  });

  it('folds shape arithmetic into bool and int64 constants', () => {
    const b = new GraphBuilder('f');
    const dims = b.ints([2, 0, 4]);
    const isZero = b.op1('Equal', [dims, b.ints([0])]);
    expect(isZero.dtype).toBe('bool');
    expect(isZero.const!.data).toEqual(Uint8Array.from([0, 1, 0]));
    const fixed = b.op1('Where', [isZero, b.ints([3]), dims]);
    expect(fixed.const!.data).toEqual(BigInt64Array.from([2n, 3n, 4n]));
    const scale = b.op1('Sqrt', [b.op1('Cast', [b.op1('Mod', [b.ints([64]), b.ints([36])])], { to: 1 })]);
    expect(scale.const!.data).toEqual(Float32Array.from([Math.sqrt(28)]));
    expect(b.graph.nodes.length).toBe(0);
  });

  it('refuses to fold an integer division by zero', () => {
    const b = new GraphBuilder('f');
    expect(() => b.op1('Div', [b.ints([4]), b.ints([0])])).toThrow(/Div ".*": integer division by zero/);
  });

  it('converts float16 like the hardware does', () => {
    const cases: [number, number][] = [
      [1, 0x3c00], [-2, 0xc000], [65504, 0x7bff], [65520, 0x7c00], [1e6, 0x7c00], [2 ** -24, 0x0001],
      [2 ** -25, 0x0000], [3 * 2 ** -25, 0x0002], [1 / 3, 0x3555], [2 ** -14, 0x0400], [-0, 0x8000], [2049, 0x6800],
    ];
    for (const [x, h] of cases) expect(floatToHalf(x), `${x}`).toBe(h);
    expect(Number.isNaN(halfToFloat(floatToHalf(NaN)))).toBe(true);
    for (let h = 0; h < 0x7c00; h += 37) expect(floatToHalf(halfToFloat(h))).toBe(h);
  });
});
