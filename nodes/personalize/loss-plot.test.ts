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

  it('draws a stochastic loss as its falling trend, the noisy raw values faint behind', () => {
    // Falls from 1 to 0.25 with a ±3× zigzag; the last raw value is the highest of all.
    const values = Array.from({ length: 120 }, (_, i) => (1 - (0.75 * i) / 119) * (i % 2 ? 3 : 1 / 3));
    values[119] = 4;
    const w = 60;
    const h = 40;
    const img = lossPlot(values, w, h, true);
    const px = (x: number, y: number) => [...img.data.subarray((y * w + x) * 4, (y * w + x) * 4 + 3)];
    const column = (x: number, color: number[]) => Array.from({ length: h }, (_, y) => y).filter((y) => px(x, y).join() === color.join());
    const trend = [30, 90, 200];
    const faint = [190, 208, 238];
    // The trend is one dark line that sits lower at the right than at the left.
    const left = column(2, trend);
    const right = column(w - 3, trend);
    expect(left.length).toBeGreaterThan(0);
    expect(right.length).toBeGreaterThan(0);
    expect(Math.min(...right)).toBeGreaterThan(Math.max(...left));
    // The raw values are drawn too, in the faint colour, reaching the top (the 4 at the end).
    expect(column(w - 1, faint).some((y) => y <= 3)).toBe(true);
    // Not stochastic: only the raw curve, in the dark colour.
    const plain = lossPlot(values, w, h);
    expect([...plain.data].some((_, i) => i % 4 === 0 && plain.data[i] === 190)).toBe(false);
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
