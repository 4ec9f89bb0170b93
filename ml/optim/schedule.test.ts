import { describe, expect, it } from 'vitest';
import { constantLr, cosineDecay, linearWarmup, warmupCosine } from './schedule.ts';

describe('learning-rate schedules', () => {
  it('constant', () => expect([0, 10, 1e6].map(constantLr(0.3))).toEqual([0.3, 0.3, 0.3]));

  it('linear warmup starts above zero and reaches lr at the end of warmup', () => {
    const s = linearWarmup(1, 4);
    expect([0, 1, 2, 3, 4, 100].map(s)).toEqual([0.25, 0.5, 0.75, 1, 1, 1]);
  });

  it('cosine decay from lr to minLr, then flat', () => {
    const s = cosineDecay(1, 100, 0.1);
    expect(s(0)).toBe(1);
    expect(s(50)).toBeCloseTo(0.55, 12);
    expect(s(25)).toBeCloseTo(0.1 + 0.9 * 0.5 * (1 + Math.SQRT1_2), 12);
    expect(s(100)).toBeCloseTo(0.1, 12);
    expect(s(500)).toBeCloseTo(0.1, 12);
  });

  it('warmup then cosine, continuous at the switch', () => {
    const s = warmupCosine(2, 10, 110);
    expect(s(0)).toBeCloseTo(0.2, 12);
    expect(s(9)).toBe(2);
    expect(s(10)).toBe(2);
    expect(s(60)).toBeCloseTo(1, 12);
    expect(s(110)).toBeCloseTo(0, 12);
  });
});
