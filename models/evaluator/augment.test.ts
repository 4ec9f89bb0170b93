import { describe, expect, it } from 'vitest';
import { Rng } from '../../ml/index.ts';
import { augmentBatch, boxBlur, warp } from './augment.ts';

const S = 8;
const ramp = () => Float32Array.from({ length: 3 * S * S }, (_, i) => ((i * 37) % 101) / 50 - 1);

describe('warp', () => {
  it('is the identity at scale 1, angle 0, no shift', () => {
    const src = ramp();
    const dst = new Float32Array(src.length);
    warp(src, dst, S, { scale: 1, angle: 0, dx: 0, dy: 0 });
    for (let i = 0; i < src.length; i++) expect(dst[i]).toBeCloseTo(src[i], 6);
  });

  it('moves pixels by a whole-pixel shift and fills the uncovered border with white', () => {
    const src = ramp();
    const dst = new Float32Array(src.length);
    warp(src, dst, S, { scale: 1, angle: 0, dx: 2, dy: -1 });
    const plane = S * S;
    for (let ch = 0; ch < 3; ch++)
      for (let y = 0; y < S; y++)
        for (let x = 0; x < S; x++) {
          const [sx, sy] = [x - 2, y + 1];
          const want = sx < 0 || sy >= S ? 1 : src[ch * plane + sy * S + sx];
          expect(dst[ch * plane + y * S + x]).toBeCloseTo(want, 6);
        }
  });

  it('rotates by 90° about the centre', () => {
    const src = ramp();
    const dst = new Float32Array(src.length);
    warp(src, dst, S, { scale: 1, angle: Math.PI / 2, dx: 0, dy: 0 });
    // With y pointing down, output (x, y) reads source (y, S−1−x).
    for (let y = 0; y < S; y++) for (let x = 0; x < S; x++) expect(dst[y * S + x]).toBeCloseTo(src[(S - 1 - x) * S + y], 5);
  });
});

describe('boxBlur', () => {
  it('keeps a constant image and averages a single bright pixel over 9', () => {
    const flat = new Float32Array(3 * S * S).fill(0.25);
    boxBlur(flat, S);
    for (const v of flat) expect(v).toBeCloseTo(0.25, 6);
    const dot = new Float32Array(3 * S * S);
    dot[3 * S + 3] = 9;
    boxBlur(dot, S);
    expect(dot[2 * S + 2]).toBeCloseTo(1, 6);
    expect(dot[3 * S + 3]).toBeCloseTo(1, 6);
    expect(dot[5 * S + 5]).toBe(0);
  });
});

describe('augmentBatch', () => {
  it('is deterministic for a seed, stays in [−1, 1] and changes the images', () => {
    const a = new Float32Array(2 * 3 * S * S);
    a.set(ramp());
    a.set(ramp(), 3 * S * S);
    const b = a.slice();
    augmentBatch(a, 2, S, new Rng(3));
    augmentBatch(b, 2, S, new Rng(3));
    expect(a).toEqual(b);
    for (const v of a) expect(Math.abs(v)).toBeLessThanOrEqual(1);
    expect(a.some((v, i) => Math.abs(v - ramp()[i % (3 * S * S)]) > 0.01)).toBe(true);
  });
});
