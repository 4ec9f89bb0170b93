import { describe, expect, it } from 'vitest';
import { clipGradNorm, clipGradValue, globalNorm } from './clip.ts';

describe('gradient clipping', () => {
  it('computes the global norm over all parameters', () => {
    expect(globalNorm({ a: new Float32Array([3, 4]), b: new Float32Array([12]) })).toBe(13);
    // Squares of large f32 values would overflow in f32, not in the f64 accumulator.
    expect(globalNorm({ a: new Float32Array([3e30, 4e30]) })).toBeCloseTo(5e30, -25);
  });

  it('scales down to maxNorm and returns the norm before clipping', () => {
    const g = { a: new Float32Array([3, 4]), b: new Float32Array([12]) };
    expect(clipGradNorm(g, 6.5)).toBe(13);
    const scale = 6.5 / (13 + 1e-6);
    expect(Array.from(g.a)).toEqual([Math.fround(3 * scale), Math.fround(4 * scale)]);
    expect(globalNorm(g)).toBeCloseTo(6.5, 5);
  });

  it('leaves gradients below maxNorm, or with a non-finite norm, untouched', () => {
    const g = { a: new Float32Array([0.3, 0.4]) };
    expect(clipGradNorm(g, 1)).toBeCloseTo(0.5, 7);
    expect(Array.from(g.a)).toEqual([Math.fround(0.3), Math.fround(0.4)]);
    const bad = { a: new Float32Array([1, NaN]), b: new Float32Array([100]) };
    expect(clipGradNorm(bad, 1)).toBeNaN();
    expect(bad.b[0]).toBe(100);
    expect(clipGradNorm({ a: new Float32Array([Infinity, 1]) }, 1)).toBe(Infinity);
  });

  it('clamps by value, keeping NaN for the optimizer to refuse', () => {
    const g = { a: new Float32Array([-5, -0.5, 0, 0.5, 5, Infinity, NaN]) };
    clipGradValue(g, 1);
    expect(Array.from(g.a)).toEqual([-1, -0.5, 0, 0.5, 1, 1, NaN]);
    expect(() => clipGradValue(g, -1)).toThrow(/limit/);
  });
});
