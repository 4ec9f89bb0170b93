// The shared optimization loop on one-weight graphs whose failure modes are certain: a loss that
// turns NaN, one that explodes, one that plateaus, and one that simply converges.
import { describe, expect, it } from 'vitest';
import { Adam, f32, GraphBuilder, Trainer } from '../../ml/index.ts';
import { backend } from '../../ml/nn/testing.ts';
import { optimize } from './optimize.ts';

async function trainerFor(lossOf: (b: GraphBuilder, x: ReturnType<GraphBuilder['input']>) => ReturnType<GraphBuilder['input']>, x0: number, lr: number) {
  const b = new GraphBuilder('toy');
  const x = b.input('x', 'float32', [1]);
  b.output(b.op1('ReduceSum', [lossOf(b, x)], { keepdims: 0 }), 'loss');
  return Trainer.create({ graph: b.build(), loss: 'loss', trainable: ['x'], params: { x: f32([1], [x0]) }, optimizer: new Adam({ lr }), backend });
}

describe('optimize', () => {
  it('converges and reports every loss', async () => {
    const t = await trainerFor((b, x) => b.op1('Mul', [x, x]), 2, 0.1);
    const r = await optimize({ trainer: t, steps: 100, batch: () => ({}) });
    expect(r.stopped).toBe('done');
    expect(r.losses).toHaveLength(100);
    expect(Math.abs((r.values.x.data as Float32Array)[0])).toBeLessThan(0.5);
  });

  it('stops when the loss turns NaN and keeps the last good value', async () => {
    // log(x) pulls x down through 0, where the loss becomes NaN.
    const t = await trainerFor((b, x) => b.op1('Log', [x]), 0.5, 1);
    const r = await optimize({ trainer: t, steps: 10, batch: () => ({}) });
    expect(r.stopped).toBe('diverged');
    expect(r.note).toMatch(/diverged at step 2: the loss became NaN; kept the values of step 1/);
    expect((r.values.x.data as Float32Array)[0]).toBeCloseTo(0.5, 5);
  });

  it('stops when the loss explodes', async () => {
    // x⁴ from 1 with a far too large step lands where the loss is thousands of times the best.
    const t = await trainerFor((b, x) => b.op1('Mul', [b.op1('Mul', [x, x]), b.op1('Mul', [x, x])]), 1, 10);
    const r = await optimize({ trainer: t, steps: 10, batch: () => ({}) });
    expect(r.stopped).toBe('diverged');
    expect(r.note).toMatch(/jumped to/);
    expect((r.values.x.data as Float32Array)[0]).toBeCloseTo(1, 5);
  });

  it('stops early on a plateau', async () => {
    const t = await trainerFor((b, x) => b.op1('Mul', [x, b.scalar(0)]), 1, 0.1);
    const r = await optimize({ trainer: t, steps: 100, patience: 5, batch: () => ({}) });
    expect(r.stopped).toBe('early');
    expect(r.losses.length).toBeLessThan(10);
  });
});
