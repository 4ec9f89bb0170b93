import { describe, expect, it } from 'vitest';
import { GraphBuilder } from '../builder.ts';
import { randn, Rng } from '../random.ts';
import { nodeBackend } from '../session/node.ts';
import type { Tensor } from '../tensor.ts';
import { checkGradients, describeFailures } from './check.ts';
import { grad } from './grad.ts';

/** Builds y = op(inputs) with every input differentiable and checks all gradients against finite differences. */
async function checkOp(op: string, inputs: Tensor[], attrs: Record<string, number> = {}, label = '') {
  const b = new GraphBuilder(op);
  const names = inputs.map((_, i) => `in${i}`);
  b.output(b.op1(op, inputs.map((t, i) => b.input(names[i], t.dtype, t.shape)), attrs), 'y');
  const feeds = Object.fromEntries(inputs.map((t, i) => [names[i], t]));
  const r = await checkGradients(b.build(), { wrt: names, feeds, backend: nodeBackend, directions: 3 });
  expect(describeFailures(r), `${op} ${label}`).toBe('');
  expect(r.length).toBe(3 * inputs.length);
}

describe('MatMul gradient', () => {
  it('handles 1-D operands, matrices and broadcast batch dims', async () => {
    const rng = new Rng(21);
    const shapes: [number[], number[]][] = [
      [[4], [4]],
      [[4], [4, 3]],
      [[2, 4], [4]],
      [[3, 4], [4, 5]],
      [[2, 3, 4], [4, 5]],
      [[3, 4], [2, 4, 5]],
      [[2, 1, 3, 4], [3, 4, 2]],
      [[4], [2, 4, 3]],
      [[2, 3, 4], [4]],
    ];
    for (let t = 0; t < 3; t++) {
      const k = 1 + rng.int(4);
      shapes.push([[1 + rng.int(3), 1, 1 + rng.int(3), k], [1 + rng.int(2), 2, k, 1 + rng.int(3)]]);
    }
    for (const [sa, sb] of shapes) await checkOp('MatMul', [randn(sa, rng), randn(sb, rng)], {}, `[${sa}] @ [${sb}]`);
  });

  it('uses a single Gemm for the weight of a batched linear layer', () => {
    const b = new GraphBuilder('lin');
    const x = b.input('x', 'float32', [2, 3, 4]);
    const w = b.input('w', 'float32', [4, 5]);
    b.output(b.op1('MatMul', [x, w]), 'y');
    const g = grad(b.build(), { loss: 'y', wrt: ['x', 'w'] });
    const ops = g.nodes.map((n) => n.op);
    expect(ops.filter((o) => o === 'Gemm').length).toBe(2);
    expect(ops).not.toContain('ReduceSum');
    expect(ops).not.toContain('Transpose');
  });
});

describe('Gemm gradient', () => {
  it('covers transA, transB, alpha, beta and every C broadcast', async () => {
    const rng = new Rng(22);
    const [m, k, n] = [3, 4, 2];
    for (const transA of [0, 1])
      for (const transB of [0, 1])
        for (const cShape of [null, [n], [m, 1], [m, n], []]) {
          const a = randn(transA ? [k, m] : [m, k], rng);
          const bm = randn(transB ? [n, k] : [k, n], rng);
          const ins = cShape ? [a, bm, randn(cShape, rng)] : [a, bm];
          const attrs = { transA, transB, alpha: 0.75, beta: 1.5 };
          await checkOp('Gemm', ins, attrs, JSON.stringify({ ...attrs, cShape }));
        }
  });
});
