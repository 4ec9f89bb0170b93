import { describe, expect, it } from 'vitest';
import { livePreview, lossPlot, sideBySide } from './loss-plot.ts';

describe('loss plot', () => {
  it('draws a falling curve from top left to bottom right', () => {
    const img = lossPlot([10, 5, 2, 1], 20, 10);
    const dark = (x: number, y: number) => img.data[(y * 20 + x) * 4] < 128;
    expect(dark(0, 2)).toBe(true);
    expect(dark(19, 7)).toBe(true);
    expect(dark(19, 2)).toBe(false);
  });

  it('puts the sample beside the curve and throttles curve-only redraws', () => {
    const shown: { width: number }[] = [];
    const live = livePreview((i) => shown.push(i), 2);
    live.loss([3, 2]);
    live.loss([3, 2, 1]);
    expect(shown.map((s) => s.width)).toEqual([96]);
    live.sample({ width: 8, height: 8, data: new Uint8Array(256) });
    expect(shown.at(-1)!.width).toBe(8 + 4 + 96);
    expect(sideBySide({ width: 1, height: 2, data: new Uint8Array(8) }, { width: 1, height: 1, data: new Uint8Array(4) }).height).toBe(2);
  });
});
