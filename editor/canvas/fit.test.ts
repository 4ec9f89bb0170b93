import { describe, expect, it } from 'vitest';
import { openingView, READABLE_ZOOM } from './fit.ts';

const view = { width: 900, height: 800 };

describe('the view a graph opens in', () => {
  it('shows a small graph whole, at no more than full size', () => {
    expect(openingView({ x: 0, y: 0, width: 400, height: 300 }, view, 3)).toMatchObject({ zoom: 1, whole: true });
  });

  it('opens a wide ten-node example readable, its start in view, rather than at a zoom of blank blocks', () => {
    const v = openingView({ x: 40, y: 40, width: 1800, height: 750 }, view, 10);
    expect(v).toMatchObject({ zoom: READABLE_ZOOM, whole: false });
    expect(v.x + 40 * v.zoom).toBeGreaterThanOrEqual(0);
    expect(v.x + 40 * v.zoom).toBeLessThan(50);
  });

  it('keeps the overview (and the light drawing) for a graph of hundreds of nodes', () => {
    expect(openingView({ x: 0, y: 0, width: 8000, height: 6000 }, view, 300).zoom).toBeLessThan(0.25);
  });
});
