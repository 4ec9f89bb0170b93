import { describe, expect, it } from 'vitest';
import { Adam, AdamW } from './adam.ts';
import { clipGradNorm } from './clip.ts';
import { cosineDecay } from './schedule.ts';

// Loss Σ a·p² + b·p, g = 2a·p + b; trajectories from PyTorch 1.13 (torch.optim.Adam / AdamW).
const A = [1.0, 0.5, 3.0, 0.1];
const B = [0.3, -1.0, 0.0, 2.0];
function trajectory(opt: Adam, steps: number): number[][] {
  const p = new Float32Array([1.0, -2.0, 0.5, 3.0]);
  const g = new Float32Array(4);
  const out: number[][] = [];
  for (let s = 0; s < steps; s++) {
    for (let i = 0; i < 4; i++) g[i] = 2 * A[i] * p[i] + B[i];
    opt.step({ p }, { p: g });
    out.push(Array.from(p));
  }
  return out;
}
function expectClose(actual: number[][], expected: number[][], tol = 2e-6) {
  actual.forEach((row, s) => row.forEach((v, i) => expect(Math.abs(v - expected[s][i]), `step ${s + 1} elem ${i}: ${v} vs ${expected[s][i]}`).toBeLessThan(tol)));
  expect(actual.length).toBe(expected.length);
}

describe('Adam', () => {
  it('moves every parameter by lr·sign(g) on the first step, whatever the gradient scale', () => {
    const p = new Float32Array([0, 0, 0, 0, 0, 5]);
    new Adam({ lr: 0.01 }).step({ p }, { p: new Float32Array([1e-3, -1, 1e3, -7, 0, 1e-30]) });
    const expected = [-0.01, 0.01, -0.01, 0.01, 0, 5];
    // Exactly lr·g/(|g| + eps): 1e-5 relative short of lr for |g| = 1e-3.
    expected.forEach((e, i) => expect(p[i]).toBeCloseTo(e, 6));
    expect(p[0]).toBeCloseTo((-0.01 * Math.fround(1e-3)) / (Math.fround(1e-3) + 1e-8), 8);
    // With |g| far below eps the step shrinks to lr·|g|/eps: here 0.01·1e-22 — nothing at f32 resolution.
    expect(p[5]).toBe(5);
  });

  it('applies bias correction on the second step, by hand', () => {
    // g = 1 then 3: m = 0.1, 0.39; v = 0.001, 0.009999; corrected m̂ = 0.39/0.19, v̂ = 0.009999/0.001999.
    const p = new Float32Array([0]);
    const opt = new Adam({ lr: 1, eps: 0 });
    opt.step({ p }, { p: new Float32Array([1]) });
    expect(p[0]).toBeCloseTo(-1, 6);
    opt.step({ p }, { p: new Float32Array([3]) });
    expect(p[0]).toBeCloseTo(-1 - 0.39 / 0.19 / Math.sqrt(0.009999 / 0.001999), 5);
  });

  it('matches PyTorch Adam with L2 weight decay', () => {
    expectClose(trajectory(new Adam({ lr: 0.1, betas: [0.9, 0.99], eps: 1e-8, weightDecay: 0.1 }), 5), [
      [0.899999976, -1.89999998, 0.399999976, 2.9000001],
      [0.800322175, -1.80009854, 0.301138282, 2.80002618],
      [0.701232135, -1.70036626, 0.204684719, 2.70009613],
      [0.603040695, -1.60087776, 0.112471007, 2.60022783],
      [0.506109655, -1.50171125, 0.0269881859, 2.50043917],
    ]);
  });

  it('matches PyTorch AdamW with decoupled weight decay', () => {
    expectClose(trajectory(new AdamW({ lr: 0.1, betas: [0.9, 0.99], eps: 1e-8, weightDecay: 0.1 }), 5), [
      [0.889999986, -1.88, 0.394999981, 2.87000012],
      [0.781464815, -1.76131797, 0.292286932, 2.74132538],
      [0.674680114, -1.64402461, 0.193220317, 2.61397934],
      [0.569978833, -1.52819371, 0.0997494832, 2.48796511],
      [0.467746556, -1.41390228, 0.0144842714, 2.36328602],
    ]);
  });

  it('decays weights proportionally in AdamW but by lr·sign(p) in Adam when the loss gradient is zero', () => {
    const zero = new Float32Array(2);
    const pw = new Float32Array([2, -0.5]);
    new AdamW({ lr: 0.1, weightDecay: 0.5 }).step({ p: pw }, { p: zero });
    expect(Array.from(pw)).toEqual([Math.fround(2 * 0.95), Math.fround(-0.5 * 0.95)]);
    const pa = new Float32Array([2, -0.5]);
    new Adam({ lr: 0.1, weightDecay: 0.5 }).step({ p: pa }, { p: zero });
    expect(pa[0]).toBeCloseTo(1.9, 6);
    expect(pa[1]).toBeCloseTo(-0.4, 6);
  });

  it('minimizes a quadratic and (with cosine decay) the Rosenbrock function', () => {
    const p = new Float32Array([5, -3, 0.1]);
    const opt = new AdamW({ lr: 0.05, weightDecay: 0 });
    const g = new Float32Array(3);
    const c = [1, -2, 0.5];
    const schedule = cosineDecay(0.05, 1500);
    for (let s = 0; s < 1500; s++) {
      for (let i = 0; i < 3; i++) g[i] = 2 * (i + 1) * (p[i] - c[i]);
      opt.lr = schedule(s);
      opt.step({ p }, { p: g });
    }
    c.forEach((ci, i) => expect(Math.abs(p[i] - ci)).toBeLessThan(1e-4));

    const r = new Float32Array([-1.5, 2]);
    const rg = new Float32Array(2);
    const ropt = new Adam();
    const rs = cosineDecay(0.1, 3000);
    for (let s = 0; s < 3000; s++) {
      const [x, y] = r;
      rg[0] = -2 * (1 - x) - 400 * x * (y - x * x);
      rg[1] = 200 * (y - x * x);
      ropt.lr = rs(s);
      ropt.step({ r }, { r: rg });
    }
    expect(Math.abs(r[0] - 1)).toBeLessThan(1e-3);
    expect(Math.abs(r[1] - 1)).toBeLessThan(2e-3);
  });

  it('clips to a global norm inside the step exactly as clipGradNorm before it does', () => {
    // Two parameters, several steps: the first gradients are clipped (norm 13 > 2), the last are not.
    const grads = [[3, -4, 12], [0.5, 0.25, -1], [0.1, 0, 0.2]].map((g) => ({ a: new Float32Array(g.slice(0, 2)), b: new Float32Array(g.slice(2)) }));
    const start = () => ({ a: new Float32Array([1, -1]), b: new Float32Array([0.5]) });
    const [inside, outside] = [start(), start()];
    const [clipping, plain] = [new AdamW({ lr: 0.1, maxGradNorm: 2 }), new AdamW({ lr: 0.1 })];
    const norms: number[] = [];
    for (const g of grads) {
      clipping.step(inside, { a: g.a.slice(), b: g.b.slice() });
      const copy = { a: g.a.slice(), b: g.b.slice() };
      norms.push(clipGradNorm(copy, 2));
      plain.step(outside, copy);
      expect(clipping.lastGradNorm).toBeCloseTo(norms.at(-1)!, 6);
    }
    expect(norms[0]).toBeCloseTo(13, 5);
    for (const k of ['a', 'b'] as const) inside[k].forEach((v, i) => expect(v).toBeCloseTo(outside[k][i], 7));
    // And the clip mattered: unclipped, the first moment of a after step 1 would be 0.1·3, not 0.1·3·2/13.
    const once = new AdamW({ lr: 0.1, maxGradNorm: 2 });
    once.step(start(), { a: grads[0].a.slice(), b: grads[0].b.slice() });
    expect(once.state()['exp_avg.a'].data[0]).toBeCloseTo((0.1 * 3 * 2) / 13, 6);
  });

  it('rejects bad hyperparameters', () => {
    expect(() => new AdamW({ maxGradNorm: -1 })).toThrow(/max gradient norm/);
    expect(() => new Adam({ betas: [1, 0.999] })).toThrow(/betas/);
    expect(() => new AdamW({ weightDecay: -1 })).toThrow(/weight decay/);
  });
});
