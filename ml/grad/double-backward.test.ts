// Differentiating a gradient graph: the engine's gradient graphs are ordinary graphs, so grad()
// applies to them again (what a gradient penalty such as a GAN's R1 needs). Checked on a smooth
// network (tanh and softplus: no kinks, so finite differences are exact up to rounding) made of the
// operators whose gradient rules emit the ops that the second pass differentiates: Conv at stride 1
// (flipped-kernel Conv, Slice with step −1) and stride 2 (ConvTranspose), AveragePool, Gemm.
import { describe, expect, it } from 'vitest';
import { GraphBuilder } from '../builder.ts';
import { randn, Rng } from '../random.ts';
import { nodeBackend } from '../session/node.ts';
import { checkGradients } from './check.ts';
import { grad } from './grad.ts';

function penaltyGraph() {
  const b = new GraphBuilder('double-backward');
  const x = b.input('x', 'float32', [2, 2, 8, 8]);
  const w1 = b.input('w1', 'float32', [3, 2, 3, 3]);
  const w2 = b.input('w2', 'float32', [4, 3, 3, 3]);
  const w3 = b.input('w3', 'float32', [1, 16]);
  let h = b.op1('Tanh', [b.op1('Conv', [x, w1], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] })]);
  h = b.op1('Softplus', [b.op1('Conv', [h, w2], { kernel_shape: [3, 3], pads: [1, 1, 1, 1], strides: [2, 2] })]);
  h = b.op1('AveragePool', [h], { kernel_shape: [2, 2], strides: [2, 2] });
  const score = b.op1('Gemm', [b.op1('Reshape', [h, b.ints([2, 16])]), w3], { transB: 1 });
  b.output(b.op1('ReduceSum', [score], { keepdims: 0 }), 'score');
  // First pass: ∂score/∂x. Second: the penalty Σ(∂score/∂x)², to be differentiated w.r.t. the weights.
  const first = GraphBuilder.from(grad(b.build(), { loss: 'score', wrt: ['x'] }));
  const g = first.value('x_grad');
  first.output(first.op1('ReduceSum', [first.op1('Mul', [g, g])], { keepdims: 0 }), 'penalty');
  return first.build();
}

describe('double backward', () => {
  it('the gradient of a gradient penalty matches finite differences for every weight', async () => {
    const rng = new Rng(11);
    const feeds = { x: randn([2, 2, 8, 8], rng), w1: randn([3, 2, 3, 3], rng, 0.5), w2: randn([4, 3, 3, 3], rng, 0.5), w3: randn([1, 16], rng) };
    const results = await checkGradients(penaltyGraph(), { wrt: ['w1', 'w2', 'w3'], feeds, backend: nodeBackend, output: 'penalty', eps: 1e-3, directions: 3 });
    expect(results).toHaveLength(9);
    for (const r of results) expect(r, `${r.name}: analytic ${r.analytic} vs numeric ${r.numeric}`).toMatchObject({ ok: true });
  });
});
