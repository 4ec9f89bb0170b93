// freezeWeights: the frozen graph computes what the graph fed the same weights computes, keeps the
// inputs it was not given, drops the ones no node reads, and names a weight of the wrong shape.
import { describe, expect, it } from 'vitest';
import { GraphBuilder } from '../builder.ts';
import { toOnnxBytes } from '../onnx/serialize.ts';
import { randn, Rng } from '../random.ts';
import { freezeWeights } from './freeze.ts';
import { Linear } from './linear.ts';
import { Params } from './params.ts';
import { backend } from './testing.ts';

function graph() {
  const b = new GraphBuilder('frozen-linear');
  const p = new Params(b, { seed: 3 });
  const lin = new Linear(p, 'lin', 3, 2);
  b.input('unused', 'float32', [1]);
  b.output(lin.forward(b.input('x', 'float32', [4, 3])), 'y');
  return { graph: b.build(), weights: p.initial() };
}

describe('freezeWeights', () => {
  it('writes the weights in as constants: same outputs, only the other inputs left', async () => {
    const { graph: g, weights } = graph();
    const x = randn([4, 3], new Rng(1));
    const fed = await backend.create(toOnnxBytes(g));
    const frozen = freezeWeights(g, weights);
    expect(frozen.inputs).toEqual(['x']);
    expect([...frozen.initializers.keys()]).toEqual(expect.arrayContaining(Object.keys(weights)));
    const fixed = await backend.create(toOnnxBytes(frozen));
    try {
      const a = (await fed.run({ ...weights, unused: randn([1], new Rng(2)), x })).y;
      const b = (await fixed.run({ x })).y;
      expect(b.data).toEqual(a.data);
    } finally {
      await fed.release();
      await fixed.release();
    }
    // The original graph is untouched.
    expect(g.inputs).toContain('lin.weight');
  });

  it('names a weight of another shape', () => {
    const { graph: g, weights } = graph();
    expect(() => freezeWeights(g, { ...weights, 'lin.weight': randn([3, 3], new Rng(1)) })).toThrow(/weight "lin.weight" is \[3,3\], the graph "frozen-linear" needs \[2,3\]/);
  });
});
