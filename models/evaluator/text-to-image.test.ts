import { describe, expect, it } from 'vitest';
import type { Embedded } from './embed.ts';
import { featureFrechet, type ImageEmbeds, textToImageScores } from './text-to-image.ts';

// A stand-in evaluator: an "image" is one number, the index of the caption it shows (−1: nothing);
// it embeds to that caption's one-hot direction, or to a fixed unrelated direction for −1.
// Features are the number itself, so the Fréchet distance is that of 1-D samples.
const N = 8;
const D = N + 1;
const oneHot = (rows: number[]): Embedded => {
  const data = new Float32Array(rows.length * D);
  rows.forEach((r, i) => (data[i * D + (r < 0 ? N : r)] = 1));
  return { data, rows: rows.length, dim: D };
};
const model: ImageEmbeds = {
  embedImages: async (images, n) => ({ embedding: oneHot(Array.from(images.subarray(0, n))), features: { data: images.slice(0, n), rows: n, dim: 1 } }),
  embedTexts: async (ids) => oneHot(ids.map((r) => r[0])),
};

describe('textToImageScores', () => {
  it('scores generated images beside real ones and gives the ratios', async () => {
    const ids = Array.from({ length: N }, (_, i) => [i]);
    const real = Float32Array.from({ length: N }, (_, i) => i);
    // Half the generated images show their caption, half show nothing recognizable.
    const generated = Float32Array.from({ length: N }, (_, i) => (i % 2 ? -1 : i));
    const s = await textToImageScores(model, ids, generated, real, 1);
    expect(s.clipTReal).toBe(1);
    expect(s.topKReal).toBe(1);
    expect(s.clipTGenerated).toBeCloseTo(0.5, 12);
    expect(s.topKGenerated).toBeCloseTo(0.5, 12);
    expect(s.clipTRatio).toBeCloseTo(0.5, 12);
    expect(s.topKRatio).toBeCloseTo(0.5, 12);
  });
});

describe('featureFrechet', () => {
  it('is the 1-D Fréchet distance of the features: (Δμ)² + (Δσ)²', async () => {
    const a = Float32Array.of(0, 2, 0, 2); // mean 1, sample sd √(4/3)
    const b = Float32Array.of(3, 3, 3, 3); // mean 3, sd 0
    expect(await featureFrechet(model, a, 4, b, 4)).toBeCloseTo(4 + 4 / 3, 9);
    expect(await featureFrechet(model, a, 4, a, 4)).toBeLessThan(1e-12);
  });
});
