import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { lineValue, METRIC_SCALES, onScale } from './metric-scales.ts';

const manifest = JSON.parse(readFileSync(new URL('../../public/models/emoji-diffusion/manifest.json', import.meta.url), 'utf8'));

describe('metric scales', () => {
  it('finds every reference line in the built-in pack’s manifest', () => {
    for (const [name, s] of Object.entries(METRIC_SCALES)) {
      const v = lineValue(manifest, s.line!.path);
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
