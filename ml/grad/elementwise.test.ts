import { describe, expect, it } from 'vitest';
import { GraphBuilder, type Value } from '../builder.ts';
import type { Graph } from '../ir.ts';
import { toOnnxBytes } from '../onnx/serialize.ts';
import { randn, Rng, uniform } from '../random.ts';
import { nodeBackend } from '../session/node.ts';
import type { Backend } from '../session/session.ts';
import { configureWasm, webBackend } from '../session/web.ts';
import { f32, i64, tensor, type Tensor } from '../tensor.ts';
import { checkGradients, describeFailures } from './check.ts';
import { grad } from './grad.ts';

const rng = new Rng(20240517);

// ---- input makers (values chosen away from kinks and outside domains' edges) ----
type Init = (shape: number[]) => Tensor;
const normal: Init = (s) => randn(s, rng);
const positive: Init = (s) => uniform(s, rng, 0.5, 2);
/** |x| in [0.3, 2] with a random sign: away from the kinks of Relu/Abs and the pole of 1/x. */
const awayFromZero: Init = (s) => {
  const t = uniform(s, rng, 0.3, 2);
  (t.data as Float32Array).forEach((v, i, a) => (a[i] = rng.next() < 0.5 ? -v : v));
  return t;
};
/** Integers in [-3, 3] plus k/3: inputs drawn with different k never come within 1/3 of each other. */
const grid =
  (k: number): Init =>
  (s) => {
    const t = f32(s);
    (t.data as Float32Array).forEach((_, i, a) => (a[i] = rng.int(7) - 3 + k / 3));
    return t;
  };

/** A random shape (rank 0–3, dims 1–4) and another that broadcasts against it. */
function randomBroadcastPair(): [number[], number[]] {
  const a = Array.from({ length: rng.int(4) }, () => 1 + rng.int(4));
  const b = a.slice(rng.int(a.length + 1)).map((d) => (rng.next() < 0.4 ? 1 : d));
  return rng.next() < 0.5 ? [a, b] : [b, a];
}

const BROADCAST: [number[], number[]][] = [
  [[2, 3, 4], [2, 3, 4]],
  [[2, 3, 4], [4]],
  [[2, 3, 4], [3, 1]],
  [[2, 3, 4], [1, 1, 4]],
  [[2, 3, 4], []],
  [[4], [2, 3, 4]],
  [[3, 1], [1, 4]],
  [[], [2, 3]],
  randomBroadcastPair(),
  randomBroadcastPair(),
];

const UNARY_SHAPES: number[][] = [[2, 3, 4], [5], [], Array.from({ length: 1 + rng.int(3) }, () => 1 + rng.int(4))];

/**
 * Builds y = f(x0, x1, ...) with each input fed at run time and checks the gradients of the
 * inputs listed in `wrt` (default: every float input) against finite differences.
 */
async function expectGradients(inputs: Tensor[], f: (b: GraphBuilder, xs: Value[]) => Value, wrt?: number[]) {
  const b = new GraphBuilder('g');
  const xs = inputs.map((t, i) => b.input(`x${i}`, t.dtype, t.shape));
  b.output(f(b, xs), 'y');
  const feeds = Object.fromEntries(inputs.map((t, i) => [`x${i}`, t]));
  const names = (wrt ?? inputs.flatMap((t, i) => (t.dtype === 'float32' ? [i] : []))).map((i) => `x${i}`);
  const r = await checkGradients(b.build(), { wrt: names, feeds, backend: nodeBackend });
  expect(describeFailures(r)).toBe('');
  expect(r.length).toBe(names.length * 3);
}

/** Runs the gradient of sum(output) and returns the gradients by input name. */
async function gradientsOf(g: Graph, wrt: string[], feeds: Record<string, Tensor>, backend: Backend = nodeBackend) {
  const s = await backend.create(toOnnxBytes(grad(g, { loss: g.outputs[0], wrt })));
  try {
    const out = await s.run(feeds);
    return Object.fromEntries(wrt.map((w) => [w, Array.from(out[`${w}_grad`].data as Float32Array)]));
  } finally {
    await s.release();
  }
}

describe('elementwise gradients: binary ops with broadcasting', () => {
  const binary: [string, Init, Init][] = [
    ['Add', normal, normal],
    ['Sub', normal, normal],
    ['Mul', normal, normal],
    ['Div', normal, awayFromZero],
    ['Pow', positive, normal],
  ];
  for (const [op, initA, initB] of binary)
    for (const [sa, sb] of BROADCAST)
      it(`${op} [${sa}] with [${sb}]`, () => expectGradients([initA(sa), initB(sb)], (b, [x, y]) => b.op1(op, [x, y])));
});

describe('elementwise gradients: unary ops', () => {
  const unaryOps: [string, Init, Record<string, number>?][] = [
    ['Identity', normal],
    ['Neg', normal],
    ['Abs', awayFromZero],
    ['Sqrt', positive],
    ['Reciprocal', awayFromZero],
    ['Exp', normal],
    ['Log', positive],
    ['Erf', normal],
    ['Relu', awayFromZero],
    ['LeakyRelu', awayFromZero],
    ['LeakyRelu', awayFromZero, { alpha: 0.2 }],
    ['Sigmoid', normal],
    ['Tanh', normal],
    ['Softplus', normal],
  ];
  for (const [op, init, attrs] of unaryOps)
    for (const shape of UNARY_SHAPES)
      it(`${op}${attrs ? ` ${JSON.stringify(attrs)}` : ''} [${shape}]`, () =>
        expectGradients([init(shape)], (b, [x]) => b.op1(op, [x], attrs)));
});

describe('elementwise gradients: Pow', () => {
  for (const e of [2, 3, -1])
    it(`negative bases, constant exponent ${e}`, () =>
      expectGradients([awayFromZero([3, 4])], (b, [x]) => b.op1('Pow', [x, b.scalar(e)])));
  it('constant int64 exponent (another type than the base)', () =>
    expectGradients([awayFromZero([2, 3])], (b, [x]) => b.op1('Pow', [x, b.constant(i64([3], [2, 3, 1]))])));
  it('fractional constant exponent', () => expectGradients([positive([5])], (b, [x]) => b.op1('Pow', [x, b.scalar(0.5)])));

  it('gives 0, not NaN, for the exponent where the base is not positive', async () => {
    const b = new GraphBuilder('pow');
    const x = b.input('x', 'float32', [3]);
    const e = b.input('e', 'float32', [3]);
    b.output(b.op1('Pow', [x, e]), 'y');
    const g = await gradientsOf(b.build(), ['x', 'e'], { x: f32([3], [-1, 0, 2]), e: f32([3], [2, 2, 2]) });
    expect(g.e[0]).toBe(0);
    expect(g.e[1]).toBe(0);
    expect(g.e[2]).toBeCloseTo(4 * Math.log(2), 5);
    expect(g.x).toEqual([-2, 0, 4]);
  });
});

describe('elementwise gradients: Clip', () => {
  /** x in [-2, 2] at least 0.1 away from both bounds. */
  const clipInput = (shape: number[], lo: number, hi: number) => {
    const t = f32(shape);
    (t.data as Float32Array).forEach((_, i, a) => {
      let v;
      do v = -2 + 4 * rng.next();
      while (Math.abs(v - lo) < 0.1 || Math.abs(v - hi) < 0.1);
      a[i] = v;
    });
    return t;
  };
  it('constant min and max', () =>
    expectGradients([clipInput([2, 3, 4], -0.5, 0.7)], (b, [x]) => b.op1('Clip', [x, b.scalar(-0.5), b.scalar(0.7)])));
  it('min only', () => expectGradients([clipInput([3, 4], -0.2, 9)], (b, [x]) => b.op1('Clip', [x, b.scalar(-0.2)])));
  it('max only', () => expectGradients([clipInput([3, 4], -9, 0.3)], (b, [x]) => b.op1('Clip', [x, null, b.scalar(0.3)])));
  it('no bounds', () => expectGradients([normal([4])], (b, [x]) => b.op1('Clip', [x])));
  it('min and max as differentiated inputs', () =>
    expectGradients([clipInput([2, 5], -0.4, 0.6), f32([], [-0.4]), f32([], [0.6])], (b, [x, lo, hi]) =>
      b.op1('Clip', [x, lo, hi]),
    ));
  it('min above max sends everything to max', () =>
    expectGradients([clipInput([6], 0.8, -0.3), f32([], [0.8]), f32([], [-0.3])], (b, [x, lo, hi]) =>
      b.op1('Clip', [x, lo, hi]),
    ));
});

describe('elementwise gradients: Cast and Where', () => {
  it('Cast to float64 and back', () =>
    expectGradients([normal([3, 4])], (b, [x]) => {
      const d = b.op1('Cast', [x], { to: 11 });
      return b.op1('Cast', [b.op1('Mul', [d, b.op1('Exp', [d])])], { to: 1 });
    }));
  it('Cast through int64 passes no gradient', async () => {
    const x = f32([2, 3], [0.5, 1.5, -2.5, 3.2, -0.7, 2.1]);
    await expectGradients([x], (b, [v]) => b.op1('Add', [v, b.op1('Cast', [b.op1('Cast', [v], { to: 7 })], { to: 1 })]));
    const b = new GraphBuilder('cast');
    const v = b.input('x', 'float32', [2, 3]);
    b.output(b.op1('Mul', [v, b.op1('Cast', [b.op1('Cast', [v], { to: 7 })], { to: 1 })]), 'y');
    const g = await gradientsOf(b.build(), ['x'], { x });
    expect(g.x.map((v) => v + 0)).toEqual([0, 1, -2, 3, 0, 2]); // d(x·trunc(x))/dx = trunc(x)
  });

  const whereShapes: [number[], number[], number[]][] = [
    [[2, 3, 4], [2, 3, 4], [2, 3, 4]],
    [[3, 1], [2, 3, 4], [4]],
    [[2, 3, 4], [], [3, 4]],
    [[4], [3, 1], [2, 1, 1]],
  ];
  for (const [sc, sx, sy] of whereShapes)
    it(`Where cond [${sc}], X [${sx}], Y [${sy}]`, () => {
      const cond = tensor('bool', sc, Array.from({ length: sc.reduce((a, d) => a * d, 1) }, () => (rng.next() < 0.5 ? 1 : 0)));
      return expectGradients([cond, normal(sx), normal(sy)], (b, [c, x, y]) => b.op1('Where', [c, x, y]));
    });
});

describe('elementwise gradients: variadic ops', () => {
  const shapes3 = [[2, 3, 4], [4], [3, 1]];
  for (const op of ['Sum', 'Mean']) {
    it(`${op} of one input`, () => expectGradients([normal([3, 2])], (b, [x]) => b.op1(op, [x])));
    it(`${op} of three broadcast inputs`, () => expectGradients(shapes3.map(normal), (b, xs) => b.op1(op, xs)));
  }
  for (const op of ['Max', 'Min']) {
    it(`${op} of two inputs`, () => expectGradients([grid(0)([3, 4]), grid(1)([3, 4])], (b, xs) => b.op1(op, xs)));
    it(`${op} of two broadcast inputs`, () => expectGradients([grid(0)([2, 3, 4]), grid(2)([3, 1])], (b, xs) => b.op1(op, xs)));
    it(`${op} of three broadcast inputs`, () => expectGradients(shapes3.map((s, k) => grid(k)(s)), (b, xs) => b.op1(op, xs)));
    it(`${op} of three, only the last differentiated`, () =>
      expectGradients(shapes3.map((s, k) => grid(k)(s)), (b, xs) => b.op1(op, xs), [2]));
  }

  it('Max gives a tie to the first input only', async () => {
    const b = new GraphBuilder('tie');
    const x = b.input('a', 'float32', [3]);
    const y = b.input('b', 'float32', [3]);
    b.output(b.op1('Max', [x, y]), 'm');
    const g = await gradientsOf(b.build(), ['a', 'b'], { a: f32([3], [1, 2, 3]), b: f32([3], [1, 5, 0]) });
    expect(g).toEqual({ a: [1, 0, 1], b: [0, 1, 0] });
  });
});

describe('elementwise gradients on onnxruntime-web (wasm)', () => {
  it('match onnxruntime-node to 1e-5', async () => {
    configureWasm({ threads: 1 });
    const b = new GraphBuilder('mix');
    const a = b.input('a', 'float32', [2, 3, 4]);
    const c = b.input('c', 'float32', [3, 1]);
    const cond = b.input('cond', 'bool', [4]);
    const s = b.op1('Sigmoid', [b.op1('Mul', [a, c])]);
    const p = b.op1('Pow', [b.op1('Softplus', [a]), b.scalar(1.5)]);
    const w = b.op1('Where', [cond, b.op1('Erf', [s]), b.op1('Clip', [b.op1('Tanh', [c]), b.scalar(-0.5), b.scalar(0.5)])]);
    const m = b.op1('Max', [b.op1('Abs', [a]), b.op1('LeakyRelu', [c], { alpha: 0.1 }), b.op1('Sqrt', [b.op1('Exp', [c])])]);
    const y = b.op1('Sum', [b.op1('Div', [p, b.op1('Add', [m, b.scalar(1)])]), w, b.op1('Log', [b.op1('Reciprocal', [m])])]);
    b.output(b.op1('Mean', [y, b.op1('Relu', [b.op1('Sub', [a, b.op1('Neg', [c])])])]), 'out');
    const feeds = { a: randn([2, 3, 4], rng), c: randn([3, 1], rng), cond: tensor('bool', [4], [1, 0, 0, 1]) };
    const onNode = await gradientsOf(b.build(), ['a', 'c'], feeds, nodeBackend);
    const onWeb = await gradientsOf(b.build(), ['a', 'c'], feeds, webBackend);
    for (const k of ['a', 'c']) {
      expect(onWeb[k].length).toBe(onNode[k].length);
      onWeb[k].forEach((v, i) => expect(Math.abs(v - onNode[k][i])).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(v))));
      expect(onNode[k].some((v) => v !== 0)).toBe(true);
    }
  });
});
