// stopGradient is the identity forward (bit for bit on values of any usual size) and a constant
// to `grad`.
import { describe, expect, it } from 'vitest';
import { f32, grad, GraphBuilder, toOnnxBytes } from '../../ml/index.ts';
import { backend } from '../../ml/nn/testing.ts';
import { stopGradient } from './stop-gradient.ts';

describe('stopGradient', () => {
  it('returns its input unchanged and passes no gradient', async () => {
    // Magnitudes from 2^−40 to 2^40, both signs, plus zero.
    const xs = Array.from({ length: 81 }, (_, i) => (i % 2 ? -1 : 1) * 2 ** (i - 40) * (1 + i / 97));
    xs.push(0, 0.1, -3.75, 2.5);
    const b = new GraphBuilder('sg');
    const x = b.input('x', 'float32', [xs.length]);
    // loss = Σ x·sg(x): its gradient is sg(x) = x, where without the stop it would be 2x.
    const y = stopGradient(x);
    b.output(y, 'y');
    b.output(b.op1('ReduceSum', [b.op1('Mul', [x, y]), b.ints([0])], { keepdims: 0 }), 'loss');
    const g = grad(b.build(), { loss: 'loss', wrt: ['x'] });
    const s = await backend.create(toOnnxBytes(g));
    try {
      const xt = f32([xs.length], xs);
      const out = await s.run({ x: xt });
      expect(Array.from(out.y.data as Float32Array)).toEqual(Array.from(xt.data as Float32Array));
      expect(Array.from(out.x_grad.data as Float32Array)).toEqual(Array.from(xt.data as Float32Array));
    } finally {
      await s.release();
    }
  });

  it('refuses a type it is not exact for', () => {
    const b = new GraphBuilder('sg');
    expect(() => stopGradient(b.input('x', 'float16', [2]))).toThrow(/float16/);
  });
});
