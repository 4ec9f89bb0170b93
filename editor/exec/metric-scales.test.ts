import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { lineValue, METRIC_SCALES, onScale } from './metric-scales.ts';

const read = (pack: string) => {
  const url = new URL(`../../public/models/${pack}/manifest.json`, import.meta.url);
  return existsSync(url) ? JSON.parse(readFileSync(url, 'utf8')) : undefined;
};
const manifest = read('emoji-diffusion');
/** The autoregressive pack's lines (its transformer's) are read from its own manifest once it ships. */
const arManifest = read('emoji-ar');
const isAr = (path: readonly string[]) => path[1] === 'transformer';

describe('metric scales', () => {
  it('finds every reference line in the built-in pack’s manifest', () => {
    for (const [name, s] of Object.entries(METRIC_SCALES)) {
      if (!s.line || (isAr(s.line.path) && !arManifest)) continue;
      const v = lineValue(isAr(s.line.path) ? arManifest : manifest, s.line.path);
      expect(v, name).toBeTypeOf('number');
      expect(v!, name).toBeGreaterThanOrEqual(s.min);
      expect(v!, name).toBeLessThanOrEqual(s.max);
    }
  });

  it('places values on the scale and ignores what is not a number', () => {
    expect(onScale(METRIC_SCALES.clipI, 0)).toBe(0.5);
    expect(onScale(METRIC_SCALES.psnr, 80)).toBe(1);
    expect(lineValue({ a: { b: 'x' } }, ['a', 'b'])).toBeUndefined();
  });
});
