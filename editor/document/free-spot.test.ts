import { describe, expect, it } from 'vitest';
import { freeSpot } from './free-spot.ts';

const size = { width: 240, height: 120 };

describe('a free spot for a new node', () => {
  it('keeps the point asked for when it is clear', () => {
    expect(freeSpot([{ x: 600, y: 600, ...size }], { x: 0, y: 0 }, size)).toEqual({ x: 0, y: 0 });
  });

  it('moves off a node already there, to the nearest clear place', () => {
    const taken = [{ x: 0, y: 0, ...size }];
    const p = freeSpot(taken, { x: 10, y: 10 }, size);
    const clear = p.x >= 240 + 24 || p.x + 240 + 24 <= 0 || p.y >= 120 + 24 || p.y + 120 + 24 <= 0;
    expect(clear).toBe(true);
    expect(Math.hypot(p.x - 10, p.y - 10)).toBeLessThan(300);
  });
});
