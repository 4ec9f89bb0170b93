// The EMA optimizer: the average trails the weights, clipping bounds the step, and its state
// round-trips, so a resumed run continues exactly where an uninterrupted one would be.
import { describe, expect, it } from 'vitest';
import { EmaOptimizer } from './ema-optimizer.ts';

const opts = { lr: 0.1, weightDecay: 0, clipNorm: 1, emaDecay: 0.9 };

function run(o: EmaOptimizer, w: Float32Array, steps: number) {
  for (let s = 0; s < steps; s++) o.step({ w }, { w: Float32Array.from(w, (v) => 2 * (v - 3)) }); // minimizes (w − 3)²
}

describe('EmaOptimizer', () => {
  it('averages the weights with a warm-up, clips the gradient norm and resumes bit-identically', () => {
    const a = new EmaOptimizer(opts);
    const w = new Float32Array([0, 10]);
    a.track({ w: { dtype: 'float32', shape: [2], data: w } });
    run(a, w, 1);
    expect(a.lastGradNorm).toBeCloseTo(Math.hypot(6, 14), 4);
    run(a, w, 29);
    // Adam moves each weight towards 3; the average lags behind but follows.
    const ema = a.average().w;
    expect(Math.abs(w[0] - 3)).toBeLessThan(Math.abs(ema[0] - 3));
    expect(ema[0]).toBeGreaterThan(0);

    const b = new EmaOptimizer(opts);
    b.load(a.state());
    const wb = w.slice();
    run(a, w, 10);
    run(b, wb, 10);
    expect(Array.from(wb)).toEqual(Array.from(w));
    expect(Array.from(b.average().w)).toEqual(Array.from(a.average().w));
  });
});
