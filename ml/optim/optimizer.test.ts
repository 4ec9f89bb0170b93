import { describe, expect, it } from 'vitest';
import { Rng } from '../random.ts';
import { readSafetensors, writeSafetensors } from '../safetensors.ts';
import { f32 } from '../tensor.ts';
import { Adam, AdamW } from './adam.ts';
import { type Optimizer, OptimizerError, type ParamMap } from './optimizer.ts';
import { Sgd } from './sgd.ts';

const kinds: [string, () => Optimizer][] = [
  ['SGD', () => new Sgd({ lr: 0.05, momentum: 0.9, nesterov: true, weightDecay: 1e-3 })],
  ['Adam', () => new Adam({ lr: 0.01, weightDecay: 1e-3 })],
  ['AdamW', () => new AdamW({ lr: 0.01 })],
];

/** Two parameters and a deterministic, parameter-dependent gradient (so trajectories feed back). */
function setup(seed: number) {
  const rng = new Rng(seed);
  const params: ParamMap = { 'w.0': Float32Array.from({ length: 6 }, () => rng.normal()), b: Float32Array.from({ length: 3 }, () => rng.normal()) };
  const grads: ParamMap = { 'w.0': new Float32Array(6), b: new Float32Array(3) };
  const fill = (step: number) => {
    for (const k in params) params[k].forEach((v, i) => (grads[k][i] = Math.sin(3 * v + i) + 0.1 * step * v));
  };
  return { params, grads, fill };
}

describe.each(kinds)('%s', (_, make) => {
  it('continues bit-identically after saving its state (and the parameters) through safetensors', () => {
    const straight = setup(7);
    const opt = make();
    for (let s = 0; s < 12; s++) {
      straight.fill(s);
      opt.step(straight.params, straight.grads);
    }

    const run = setup(7);
    const first = make();
    for (let s = 0; s < 5; s++) {
      run.fill(s);
      first.step(run.params, run.grads);
    }
    const paramFile = writeSafetensors(Object.fromEntries(Object.entries(run.params).map(([k, v]) => [k, f32([v.length], v)])));
    const stateFile = writeSafetensors(first.state(), { optimizer: _ });
    // A fresh process: everything comes back from the two files.
    const resumed = setup(99);
    for (const [k, t] of Object.entries(readSafetensors(paramFile).tensors)) resumed.params[k].set(t.data as Float32Array);
    const second = make();
    second.load(readSafetensors(stateFile).tensors);
    for (let s = 5; s < 12; s++) {
      resumed.fill(s);
      second.step(resumed.params, resumed.grads);
    }
    for (const k in straight.params) expect(Array.from(resumed.params[k]), k).toEqual(Array.from(straight.params[k]));
    expect(Array.from(straight.params.b)).not.toEqual(Array.from(setup(7).params.b)); // it did move
  });

  it('refuses a non-finite gradient, naming it, and leaves parameters and state as they were', () => {
    const a = setup(3);
    const b = setup(3);
    const optA = make();
    const optB = make();
    for (const bad of [NaN, Infinity, -Infinity]) {
      a.fill(0);
      a.grads.b[2] = bad;
      const before = Array.from(a.params['w.0']);
      let err: unknown;
      try {
        optA.step(a.params, a.grads);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(OptimizerError);
      expect((err as OptimizerError).param).toBe('b');
      expect((err as Error).message).toMatch(new RegExp(`gradient is ${bad} at element 2`));
      // 'w.0' comes first and has a fine gradient: still untouched.
      expect(Array.from(a.params['w.0'])).toEqual(before);
    }
    // The refused steps left no trace: the next good steps match a run that never saw them.
    for (let s = 0; s < 3; s++) {
      a.fill(s);
      optA.step(a.params, a.grads);
      b.fill(s);
      optB.step(b.params, b.grads);
    }
    expect(Array.from(a.params.b)).toEqual(Array.from(b.params.b));
    expect(optA.state()).toEqual(optB.state());
  });

  it('refuses missing, extra or mis-sized gradients and a bad learning rate', () => {
    const { params, grads } = setup(1);
    const opt = make();
    expect(() => opt.step(params, { b: grads.b })).toThrow(/"w.0": has no gradient/);
    expect(() => opt.step(params, { ...grads, extra: new Float32Array(1) })).toThrow(/"extra": has a gradient but is not being optimized/);
    expect(() => opt.step(params, { ...grads, b: new Float32Array(2) })).toThrow(/gradient has 2 elements, parameter has 3/);
    opt.lr = NaN;
    expect(() => opt.step(params, grads)).toThrow(/learning rate NaN/);
  });

  it('rejects a state that does not fit, keeping its own', () => {
    const { params, grads, fill } = setup(2);
    const opt = make();
    fill(0);
    opt.step(params, grads);
    const good = opt.state();
    expect(() => opt.load({ ...good, 'bogus.b': f32([3]) })).toThrow(/unknown optimizer state "bogus.b"/);
    expect(() => opt.load({ ...good, 'step.b': f32([], [1]) })).toThrow(/not a positive int64 step count/);
    expect(opt.state()).toEqual(good);
    // A state for differently sized parameters is caught at the next step, before any update.
    const small = setup(2);
    small.params.b = new Float32Array(2);
    small.grads.b = new Float32Array(2);
    const before = Array.from(small.params['w.0']);
    expect(() => opt.step(small.params, small.grads)).toThrow(/state \w+ has 3 elements, parameter has 2/);
    expect(Array.from(small.params['w.0'])).toEqual(before);
  });
});

describe('optimizer state layout', () => {
  it('names moments and step counts per parameter', () => {
    const opt = new Adam();
    const p = { 'a.b': new Float32Array(2) };
    opt.step(p, { 'a.b': new Float32Array([1, -1]) });
    opt.step(p, { 'a.b': new Float32Array([1, -1]) });
    const s = opt.state();
    expect(Object.keys(s).sort()).toEqual(['exp_avg.a.b', 'exp_avg_sq.a.b', 'step.a.b']);
    expect(s['step.a.b'].dtype).toBe('int64');
    expect(s['step.a.b'].data[0]).toBe(2n);
    expect(Array.from(s['exp_avg.a.b'].data as Float32Array)).toEqual([Math.fround(0.19), Math.fround(-0.19)]);
  });
});
