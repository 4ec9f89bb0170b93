import { describe, expect, it } from 'vitest';
import { GraphBuilder, type Value } from '../builder.ts';
import type { AttrValue } from '../ir.ts';
import { closeness, runGraph } from '../ops/test-run.ts';
import { randn, Rng, uniform } from '../random.ts';
import { nodeBackend } from '../session/node.ts';
import { i64, tensor, type Tensor } from '../tensor.ts';
import { checkGradients, describeFailures } from './check.ts';

const rng = new Rng(1616);

/** |x| in [0.3, 2] with a random sign: away from the kinks of the piecewise activations. */
function awayFromKinks(shape: number[], kinks: number[] = [0]): Tensor {
  const t = randn(shape, rng);
  const d = t.data as Float32Array;
  for (let i = 0; i < d.length; i++) while (kinks.some((k) => Math.abs(d[i] - k) < 0.2)) d[i] = 3 * (rng.next() - 0.5) * 2;
  return t;
}

/** y = f(inputs...) with every float input fed, gradients checked against finite differences. */
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

describe('model-zoo operators: gradients against finite differences', () => {
  const activations: [string, Record<string, AttrValue>, number[]][] = [
    ['Elu', {}, [0]],
    ['Elu', { alpha: 0.5 }, [0]],
    ['Selu', {}, [0]],
    ['HardSigmoid', {}, [-2.5, 2.5]],
    ['HardSigmoid', { alpha: 0.5, beta: 0.2 }, [-0.4, 1.6]],
    ['HardSwish', {}, [-3, 3]],
    ['Softsign', {}, []],
  ];
  for (const [op, attrs, kinks] of activations)
    it(`${op} ${JSON.stringify(attrs)}`, () => expectGradients([awayFromKinks([2, 3, 4], kinks)], (b, [x]) => b.op1(op, [x], attrs)));

  it('PRelu with a per-channel slope and with a scalar one', async () => {
    await expectGradients([awayFromKinks([2, 3, 4, 4]), randn([3, 1, 1], rng)], (b, [x, s]) => b.op1('PRelu', [x, s]));
    await expectGradients([awayFromKinks([2, 5]), randn([1], rng)], (b, [x, s]) => b.op1('PRelu', [x, s]));
  });

  it('BatchNormalization (inference) for X, scale, B, mean and var, rank 4 and rank 2', async () => {
    for (const shape of [[2, 3, 4, 5], [4, 3]]) {
      const c = shape[1];
      await expectGradients(
        [randn(shape, rng), randn([c], rng), randn([c], rng), randn([c], rng), uniform([c], rng, 0.5, 2)],
        (b, xs) => b.op1('BatchNormalization', xs, { epsilon: 1e-3 }),
      );
    }
  });

  it('LRN with windows of 3 and 5 channels', async () => {
    await expectGradients([randn([2, 6, 3, 3], rng)], (b, [x]) => b.op1('LRN', [x], { size: 3, alpha: 0.1, beta: 0.75, bias: 1 }));
    await expectGradients([randn([1, 5, 2, 3], rng)], (b, [x]) => b.op1('LRN', [x], { size: 5, alpha: 0.5, beta: 0.6, bias: 2 }));
  });

  it('Einsum as attention and exporters write it', async () => {
    await expectGradients([randn([2, 3, 4, 5], rng), randn([2, 3, 6, 5], rng)], (b, [q, k]) =>
      b.op1('Einsum', [q, k], { equation: 'bhid,bhjd->bhij' }),
    );
    await expectGradients([randn([2, 3, 4], rng), randn([4, 5], rng)], (b, [x, w]) => b.op1('Einsum', [x, w], { equation: '...i,ij->...j' }));
    // Implicit output, and a subscript (k) only one operand has.
    await expectGradients([randn([3, 4, 2], rng), randn([4, 5], rng)], (b, [x, w]) => b.op1('Einsum', [x, w], { equation: 'ijk,jl' }));
  });

  it('CumSum forward, reverse and exclusive; Trilu both triangles', async () => {
    for (const [exclusive, reverse] of [[0, 0], [1, 0], [0, 1], [1, 1]])
      await expectGradients([randn([3, 4], rng)], (b, [x]) => b.op1('CumSum', [x, b.constant(i64([], [1]))], { exclusive, reverse }));
    await expectGradients([randn([2, 4, 4], rng)], (b, [x]) => b.op1('Trilu', [x, b.constant(i64([], [1]))], { upper: 0 }));
    await expectGradients([randn([3, 5], rng)], (b, [x]) => b.op1('Trilu', [x], { upper: 1 }));
  });

  it('GatherElements (repeated indices accumulate) and GatherND', async () => {
    const idx = i64([3, 2], [0, 2, 2, 2, 1, 0]);
    await expectGradients([randn([3, 3], rng), idx], (b, [x, i]) => b.op1('GatherElements', [x, i], { axis: 1 }), [0]);
    await expectGradients([randn([3, 4], rng), i64([2, 1], [2, 0])], (b, [x, i]) => b.op1('GatherND', [x, i]), [0]);
  });

  it('ScatterElements and ScatterND, overwriting and adding', async () => {
    for (const reduction of ['none', 'add']) {
      await expectGradients([randn([3, 4], rng), i64([2, 2], [0, 3, 2, 1]), randn([2, 2], rng)], (b, [d, i, u]) =>
        b.op1('ScatterElements', [d, i, u], { axis: 1, reduction }),
      [0, 2]);
      await expectGradients([randn([4, 3], rng), i64([2, 1], [3, 1]), randn([2, 3], rng)], (b, [d, i, u]) =>
        b.op1('ScatterND', [d, i, u], { reduction }),
      [0, 2]);
    }
  });
});

describe('LRN and BatchNormalization gradients agree with their forward definitions', () => {
  it('LRN equals x / (bias + α/size·Σ x²)^β computed by hand', async () => {
    const x = randn([1, 4, 2, 2], rng);
    const b = new GraphBuilder('lrn');
    b.output(b.op1('LRN', [b.input('x', 'float32', x.shape)], { size: 3, alpha: 0.3, beta: 0.75, bias: 1.5 }), 'y');
    const y = (await runGraph(nodeBackend, b.build(), { x })).y.data as Float32Array;
    const xs = x.data as Float32Array;
    const want = new Float32Array(xs.length);
    for (let c = 0; c < 4; c++)
      for (let p = 0; p < 4; p++) {
        let s = 0;
        for (let j = Math.max(0, c - 1); j <= Math.min(3, c + 1); j++) s += xs[j * 4 + p] ** 2;
        want[c * 4 + p] = xs[c * 4 + p] / (1.5 + (0.3 / 3) * s) ** 0.75;
      }
    expect(closeness(y, want)).toBeLessThan(1);
  });

  it('Hardmax passes no gradient (it is piecewise constant)', async () => {
    const { NON_DIFFERENTIABLE } = await import('./rules.ts');
    expect(NON_DIFFERENTIABLE.has('Hardmax')).toBe(true);
    expect(tensor('float32', [1]).data.length).toBe(1);
  });
});
