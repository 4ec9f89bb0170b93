import { describe, expect, it } from 'vitest';
import { seriesSummary, smoothingSpan, smoothSeries } from './series.ts';

// A healthy stochastic run: the loss falls from 0.3 to 0.1, each step multiplied by a noise factor
// of 0.3–2.7 (a random timestep), and by chance the first step was easy and the last one hard.
function noisyRun(n: number): { raw: number[]; trend: number[] } {
  let s = 12345;
  const rnd = () => ((s = (s * 1103515245 + 12345) % 2 ** 31), s / 2 ** 31);
  const trend = Array.from({ length: n }, (_, i) => 0.3 - (0.2 * i) / (n - 1));
  const raw = trend.map((t) => t * (0.3 + 2.4 * rnd()));
  raw[0] = 0.088;
  raw[n - 1] = 0.325;
  return { raw, trend };
}

describe('series smoothing', () => {
  it('follows the trend of a noisy falling loss, so a healthy run reads as falling', () => {
    const { raw } = noisyRun(300);
    const s = smoothSeries(raw);
    expect(s).toHaveLength(300);
    expect(raw[0]).toBeLessThan(raw[299]); // the raw ends read as divergence
    expect(s[0]).toBeGreaterThan(1.5 * s[299]); // the trend falls
    // The noise factor averages 1.5: the trend is near 1.5× the underlying loss at both ends.
    expect(s[0] / 0.3).toBeGreaterThan(1.1);
    expect(s[0] / 0.3).toBeLessThan(1.9);
    expect(s[299] / 0.1).toBeGreaterThan(1.1);
    expect(s[299] / 0.1).toBeLessThan(2.2);
    // Much smoother than the raw values: far smaller step-to-step changes.
    const jitter = (xs: number[]) => xs.slice(1).reduce((a, v, i) => a + Math.abs(v - xs[i]), 0);
    expect(jitter(s)).toBeLessThan(jitter(raw) / 10);
  });

  it('has no lag: a constant series stays constant, a straight line stays nearly straight in the middle', () => {
    expect(smoothSeries(Array(50).fill(2)).every((v) => Math.abs(v - 2) < 1e-12)).toBe(true);
    const line = Array.from({ length: 200 }, (_, i) => i);
    const s = smoothSeries(line);
    expect(Math.abs(s[100] - 100)).toBeLessThan(1);
  });

  it('keeps short series and non-finite steps as they are', () => {
    expect(smoothSeries([3, 1])).toEqual([3, 1]);
    const s = smoothSeries([1, 1, NaN, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]);
    expect(s[2]).toBeNaN();
    expect(s[3]).toBeCloseTo(1, 12);
    expect(smoothingSpan(300)).toBe(30);
    expect(smoothingSpan(5000)).toBe(100);
  });

  it('captions a stochastic series with the trend\'s ends, a deterministic one with its raw ends', () => {
    const { raw } = noisyRun(300);
    const s = smoothSeries(raw);
    const fmt = (v: number) => String(+v.toPrecision(4));
    expect(seriesSummary(raw, true)).toBe(`300 steps · smoothed first ${fmt(s[0])} · last ${fmt(s[299])}`);
    expect(seriesSummary(raw)).toBe('300 values · first 0.088 · last 0.325');
    expect(seriesSummary([])).toBe('no values');
  });
});
