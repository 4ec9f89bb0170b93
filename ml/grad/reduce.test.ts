import { describe, expect, it } from 'vitest';
import { GraphBuilder } from '../builder.ts';
import { toOnnxBytes } from '../onnx/serialize.ts';
import { randn, Rng } from '../random.ts';
import { nodeBackend } from '../session/node.ts';
import { f32, i64, type Tensor } from '../tensor.ts';
import { checkGradients, describeFailures } from './check.ts';
import { grad } from './grad.ts';

const DIFFERENTIABLE = ['ReduceSum', 'ReduceMean', 'ReduceMax', 'ReduceMin', 'ReduceSumSquare', 'ReduceL2', 'ReduceLogSumExp'];

/** Random rank 1–4 shape, a random axis subset (some negative) or all axes, keepdims 0/1. */
function randomCase(rng: Rng) {
  const rank = 1 + rng.int(4);
  const shape = Array.from({ length: rank }, () => 1 + rng.int(4));
  let axes: number[] | undefined = undefined;
  if (rng.next() > 0.2) {
    axes = Array.from({ length: rank }, (_, i) => i).filter(() => rng.next() < 0.5);
    if (!axes.length) axes.push(rng.int(rank));
    axes = axes.map((a) => (rng.next() < 0.5 ? a - rank : a));
  }
  return { shape, axes, keepdims: rng.int(2) };
}

/** Distinct values at least 0.1 apart (shuffled), so finite differences never cross a max/min switch. */
function separated(shape: number[], rng: Rng): Tensor {
  const n = shape.reduce((p, d) => p * d, 1);
  const vals = Array.from({ length: n }, (_, i) => (i - n / 2) * 0.1 + rng.next() * 0.02);
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [vals[i], vals[j]] = [vals[j], vals[i]];
  }
  return f32(shape, vals);
}

function reduceGraph(op: string, shape: number[], axes: number[] | undefined, keepdims: number) {
  const b = new GraphBuilder(op);
  const x = b.input('x', 'float32', shape);
  const y =
    op === 'ReduceSum'
      ? b.op1(op, [x, axes ? b.ints(axes) : null], { keepdims })
      : b.op1(op, [x], { axes, keepdims });
  // A following Mul makes the gradient flowing in non-uniform and checks dy is laid out right.
  b.output(b.op1('Mul', [y, y]), 'out');
  return b.build();
}

describe('reduction gradients', () => {
  for (const op of DIFFERENTIABLE)
    it(`${op} matches finite differences over random shapes, axes and keepdims`, async () => {
      const rng = new Rng(op.length * 31 + op.charCodeAt(6));
      for (let t = 0; t < 4; t++) {
        const { shape, axes, keepdims } = randomCase(rng);
        const x = op === 'ReduceMax' || op === 'ReduceMin' ? separated(shape, rng) : randn(shape, rng);
        const r = await checkGradients(reduceGraph(op, shape, axes, keepdims), {
          wrt: ['x'],
          feeds: { x },
          backend: nodeBackend,
          seed: t,
        });
        expect(describeFailures(r), `${op} shape [${shape}] axes ${axes} keepdims ${keepdims}`).toBe('');
      }
    });

  it('ReduceSum with noop_with_empty_axes passes the gradient through', async () => {
    const b = new GraphBuilder('noop');
    const x = b.input('x', 'float32', [2, 3]);
    const y = b.op1('ReduceSum', [x, b.constant(i64([0]))], { noop_with_empty_axes: 1 });
    b.output(b.op1('Mul', [y, x]), 'out');
    const r = await checkGradients(b.build(), { wrt: ['x'], feeds: { x: randn([2, 3], new Rng(5)) }, backend: nodeBackend });
    expect(describeFailures(r)).toBe('');
  });

  async function gradOf(op: string, x: Tensor, axes: number[]) {
    const b = new GraphBuilder(op);
    b.output(b.op1(op, [b.input('x', 'float32', x.shape)], { axes, keepdims: 0 }), 'y');
    const s = await nodeBackend.create(toOnnxBytes(grad(b.build(), { loss: 'y', wrt: ['x'] })));
    const out = await s.run({ x });
    await s.release();
    return Array.from(out.x_grad.data as Float32Array);
  }

  it('ReduceMax and ReduceMin split the gradient evenly among tied extremes', async () => {
    const x = f32([2, 4], [3, 1, 3, 3, -2, 5, -2, 0]);
    expect(await gradOf('ReduceMax', x, [1])).toEqual([1 / 3, 0, 1 / 3, 1 / 3, 0, 1, 0, 0].map(Math.fround));
    expect(await gradOf('ReduceMin', x, [1])).toEqual([0, 1, 0, 0, 0.5, 0, 0.5, 0]);
  });

  it('ReduceL2 uses the zero subgradient at a zero vector instead of NaN', async () => {
    const g = await gradOf('ReduceL2', f32([2, 2], [0, 0, 3, 4]), [1]);
    expect(g).toEqual([0, 0, 0.6, 0.8].map(Math.fround));
  });
});
