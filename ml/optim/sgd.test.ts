import { describe, expect, it } from 'vitest';
import { OptimizerError } from './optimizer.ts';
import { Sgd } from './sgd.ts';

// Loss Σ a·p² + b·p, so g = 2a·p + b; trajectories from PyTorch 1.13 (torch.optim.SGD), same start.
const A = [1.0, 0.5, 3.0, 0.1];
const B = [0.3, -1.0, 0.0, 2.0];
function trajectory(opt: Sgd, steps: number): number[][] {
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
  expect(actual.length).toBe(expected.length);
  actual.forEach((row, s) => row.forEach((v, i) => expect(Math.abs(v - expected[s][i]), `step ${s + 1} elem ${i}: ${v} vs ${expected[s][i]}`).toBeLessThan(tol)));
}

describe('SGD', () => {
  it('takes a plain step with L2 weight decay by hand', () => {
    const p = new Float32Array([1, -2]);
    new Sgd({ lr: 0.1, weightDecay: 0.1 }).step({ p }, { p: new Float32Array([0.5, 1]) });
    // p − lr·(g + wd·p)
    expect(Array.from(p)).toEqual([Math.fround(1 - 0.1 * 0.6), Math.fround(-2 - 0.1 * 0.8)]);
  });

  it('accumulates heavy-ball momentum by hand', () => {
    const p = new Float32Array([0]);
    const opt = new Sgd({ lr: 1, momentum: 0.5 });
    opt.step({ p }, { p: new Float32Array([1]) }); // buf = 1
    expect(p[0]).toBe(-1);
    opt.step({ p }, { p: new Float32Array([1]) }); // buf = 0.5 + 1
    expect(p[0]).toBe(-2.5);
    opt.step({ p }, { p: new Float32Array([0]) }); // buf = 0.75
    expect(p[0]).toBe(-3.25);
  });

  it('matches PyTorch with momentum and weight decay', () => {
    expectClose(trajectory(new Sgd({ lr: 0.1, momentum: 0.9, weightDecay: 0.01 }), 5), [
      [0.768999994, -1.69799995, 0.19949998, 2.73699999],
      [0.376530975, -1.15470195, -0.190849513, 2.24282312],
      [-0.0823738724, -0.449108928, -0.427463472, 1.55096459],
      [-0.508831084, 0.331284791, -0.3835105, 0.695721686],
      [-0.820367515, 1.10017931, -0.113462999, -0.288607061],
    ]);
  });

  it('matches PyTorch with Nesterov momentum', () => {
    expectClose(trajectory(new Sgd({ lr: 0.1, momentum: 0.9, nesterov: true }), 5), [
      [0.563000023, -1.43000007, -0.0699999928, 2.50600004],
      [0.105760008, -0.725300074, -0.233199969, 1.82017207],
      [-0.274604768, 0.0180369485, -0.152031973, 0.978868306],
      [-0.523546457, 0.718336284, -0.0315923095, 0.0172611214],
      [-0.628075182, 1.31374514, 0.0307213496, -1.03122163],
    ]);
  });

  it('matches PyTorch with dampening (not applied on the first step)', () => {
    expectClose(trajectory(new Sgd({ lr: 0.1, momentum: 0.9, dampening: 0.5 }), 5), [
      [0.769999981, -1.70000005, 0.199999988, 2.74000001],
      [0.470999986, -1.29500008, -0.129999995, 2.37860012],
      [0.139799997, -0.815750122, -0.387999952, 1.92955422],
      [-0.187259972, -0.293637663, -0.503799915, 1.40611732],
      [-0.477887928, 0.240945444, -0.456879914, 0.820962965],
    ]);
  });

  it('minimizes an ill-conditioned quadratic and the Rosenbrock function', () => {
    // Quadratic with curvatures 1..100: the minimum is p = −b / 2a.
    const a = [0.5, 5, 50];
    const b = [1, -2, 3];
    const p = new Float32Array(3);
    const g = new Float32Array(3);
    const opt = new Sgd({ lr: 0.009, momentum: 0.9 });
    for (let s = 0; s < 500; s++) {
      for (let i = 0; i < 3; i++) g[i] = 2 * a[i] * p[i] + b[i];
      opt.step({ p }, { p: g });
    }
    a.forEach((ai, i) => expect(p[i]).toBeCloseTo(-b[i] / (2 * ai), 4));

    const r = new Float32Array([-1.5, 2]);
    const rg = new Float32Array(2);
    const ropt = new Sgd({ lr: 1e-3, momentum: 0.9 });
    for (let s = 0; s < 3000; s++) {
      const [x, y] = r;
      rg[0] = -2 * (1 - x) - 400 * x * (y - x * x);
      rg[1] = 200 * (y - x * x);
      ropt.step({ r }, { r: rg });
    }
    expect(Math.abs(r[0] - 1)).toBeLessThan(1e-3);
    expect(Math.abs(r[1] - 1)).toBeLessThan(1e-3);
  });

  it('rejects inconsistent hyperparameters', () => {
    expect(() => new Sgd({ lr: 0.1, nesterov: true })).toThrow(OptimizerError);
    expect(() => new Sgd({ lr: 0.1, momentum: 0.9, dampening: 0.1, nesterov: true })).toThrow(/dampening 0/);
    expect(() => new Sgd({ lr: 0.1, momentum: 1 })).toThrow(/momentum/);
  });
});
