// FSQ: every code lands exactly on its channel's grid, indices and codes convert both ways, the
// graph's indices agree with the host-side conversion, and the gradient is the straight-through
// one (the derivative of the bounded, unrounded value).
import { describe, expect, it } from 'vitest';
import { grad, GraphBuilder, randn, Rng, toOnnxBytes } from '../../ml/index.ts';
import { backend } from '../../ml/nn/testing.ts';
import { fsqChannels, fsqCode, fsqCodebook, fsqCodebookSize, fsqDigits, fsqIndex, fsqIndices, fsqQuantize } from './fsq.ts';

const LEVELS = [8, 5, 5, 5];

describe('FSQ codes and indices', () => {
  it('enumerates the grid: L levels per channel, symmetric, index ↔ code both ways', () => {
    expect(fsqCodebookSize(LEVELS)).toBe(1000);
    expect(fsqCode(LEVELS, 0)).toEqual([-1, -1, -1, -1]);
    expect(fsqCode(LEVELS, 999)).toEqual([0.75, 1, 1, 1]);
    // Channel 0 is the least significant digit.
    expect(fsqDigits(LEVELS, 8 + 3)).toEqual([3, 1, 0, 0]);
    const seen = new Set<string>();
    for (let k = 0; k < 1000; k++) {
      const code = fsqCode(LEVELS, k);
      expect(fsqIndex(LEVELS, code)).toBe(k);
      seen.add(code.join(','));
    }
    expect(seen.size).toBe(1000);
    const perChannel = LEVELS.map((_, c) => new Set([...seen].map((s) => Number(s.split(',')[c]))));
    expect([...perChannel[0]].sort((a, b) => a - b)).toEqual([-1, -0.75, -0.5, -0.25, 0, 0.25, 0.5, 0.75]);
    expect([...perChannel[1]].sort((a, b) => a - b)).toEqual([-1, -0.5, 0, 0.5, 1]);
    expect(fsqCodebook(LEVELS).subarray(4 * 11, 4 * 12)).toEqual(new Float32Array(fsqCode(LEVELS, 11)));
  });

  it('says what is wrong with a bad index or code', () => {
    expect(() => fsqCode(LEVELS, 1000)).toThrow(/outside the codebook \[0, 1000\)/);
    expect(() => fsqIndex(LEVELS, [0, 0, 0])).toThrow(/3 channels/);
    expect(() => fsqIndex(LEVELS, [0.1, 0, 0, 0])).toThrow(/not one of its 8 levels/);
    expect(() => fsqChannels([8, 1])).toThrow(/≥ 2/);
  });
});

describe('FSQ in a graph', () => {
  it('rounds onto the grid exactly, and its indices are the codes’ mixed-radix numbers', async () => {
    const shape = [3, 4, 5, 5];
    const b = new GraphBuilder('fsq');
    const z = b.input('z', 'float32', shape);
    const q = fsqQuantize(z, LEVELS);
    b.output(q.codes, 'codes');
    b.output(q.indices, 'indices');
    b.output(fsqIndices(z, LEVELS), 'only');
    const s = await backend.create(toOnnxBytes(b.build()));
    try {
      const zt = randn(shape, new Rng(3), 2.5); // wide enough to hit every level, saturation included
      const out = await s.run({ z: zt });
      const codes = out.codes.data as Float32Array;
      const idx = out.indices.data as BigInt64Array;
      expect(out.indices.shape).toEqual([3, 25]);
      expect(Array.from(out.only.data as BigInt64Array)).toEqual(Array.from(idx));
      const first = new Set<number>();
      for (let n = 0; n < 3; n++)
        for (let t = 0; t < 25; t++) {
          const code = LEVELS.map((_, c) => codes[(n * 4 + c) * 25 + t]);
          const k = Number(idx[n * 25 + t]);
          expect(code).toEqual(fsqCode(LEVELS, k).map(Math.fround));
          first.add(code[0]);
        }
      // Both ends of the 8-level channel were reached: the bounding leaves every level reachable.
      expect(first.has(-1)).toBe(true);
      expect(first.has(0.75)).toBe(true);
    } finally {
      await s.release();
    }
  });

  it('passes the gradient straight through the rounding to the bounded value', async () => {
    const shape = [2, 4, 3, 3];
    const b = new GraphBuilder('fsq-grad');
    const z = b.input('z', 'float32', shape);
    const r = b.input('r', 'float32', shape);
    const { codes } = fsqQuantize(z, LEVELS);
    b.output(b.op1('ReduceSum', [b.op1('Mul', [codes, r]), b.ints([0, 1, 2, 3])], { keepdims: 0 }), 'loss');
    const g = grad(b.build(), { loss: 'loss', wrt: ['z'] });
    const s = await backend.create(toOnnxBytes(g));
    try {
      const zt = randn(shape, new Rng(5));
      const rt = randn(shape, new Rng(6));
      const gz = (await s.run({ z: zt, r: rt })).z_grad.data as Float32Array;
      const ch = fsqChannels(LEVELS);
      const zs = zt.data as Float32Array;
      const rs = rt.data as Float32Array;
      // The continuous path: codes ≈ (tanh(z + shift)·halfL − offset)/halfWidth, checked by central differences.
      const bounded = (v: number, c: number) => (Math.tanh(v + ch[c].shift) * ch[c].halfL - ch[c].offset) / ch[c].halfWidth;
      for (let i = 0; i < zs.length; i++) {
        const c = Math.floor(i / 9) % 4;
        const h = 1e-4;
        const numeric = (rs[i] * (bounded(zs[i] + h, c) - bounded(zs[i] - h, c))) / (2 * h);
        expect(gz[i]).toBeCloseTo(numeric, 4);
      }
      expect(gz.some((v) => Math.abs(v) > 0.1)).toBe(true);
    } finally {
      await s.release();
    }
  });

  it('names the shape it expected', () => {
    const b = new GraphBuilder('fsq');
    expect(() => fsqQuantize(b.input('z', 'float32', [1, 3, 2, 2]), LEVELS)).toThrow(/expects \[B, 4, h, w\] for levels \[8,5,5,5\], got \[1,3,2,2\]/);
  });
});
