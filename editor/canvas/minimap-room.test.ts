import { describe, expect, it } from 'vitest';
import { minimapHasRoom } from './minimap-room.ts';

const canvas = { width: 800, height: 600 };
const at = (x: number, y: number) => ({ x, y, width: 240, height: 160 });

describe('room for the minimap', () => {
  it('is not shown when the whole graph is in view', () => {
    expect(minimapHasRoom([at(0, 0), at(500, 400)], { x: 0, y: 0, zoom: 1 }, canvas)).toBe(false);
  });

  it('is shown when part of the graph is out of view and its corner is clear', () => {
    expect(minimapHasRoom([at(0, 0), at(1200, 0)], { x: 0, y: 0, zoom: 1 }, canvas)).toBe(true);
  });

  it('is not shown over a node in its corner', () => {
    expect(minimapHasRoom([at(0, 0), at(1200, 0), at(600, 420)], { x: 0, y: 0, zoom: 1 }, canvas)).toBe(false);
  });
});
