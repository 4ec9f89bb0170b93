import { describe, expect, it } from 'vitest';
import { mosaic } from './mosaic.ts';

const px = (v: number) => ({ width: 1, height: 1, data: new Uint8Array([v, v, v, 255]) });

describe('mosaic', () => {
  it('keeps a single picture as it is', () => {
    const one = px(3);
    expect(mosaic([one])).toBe(one);
  });

  it('lays three pictures on a 2×2 grid with transparent gaps', () => {
    const m = mosaic([px(10), px(20), px(30)], 1);
    expect([m.width, m.height]).toEqual([3, 3]);
    const at = (x: number, y: number) => m.data[(y * 3 + x) * 4];
    expect([at(0, 0), at(1, 0), at(2, 0), at(0, 2), at(2, 2)]).toEqual([10, 0, 20, 30, 0]);
  });
});
