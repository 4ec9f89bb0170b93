import { describe, expect, it } from 'vitest';
import type { Embedded } from './embed.ts';
import { type Embeds, evaluateRetrieval, matchedVersusOther } from './evaluate.ts';
import { rows } from './metrics.ts';

// A stand-in evaluator with known geometry: an image's "pixels" are its concept number, a caption's
// ids are [concept]; both embed to one-hot vectors, except that style b's images of concepts ≥ 6
// land on concept 0's direction (so they fail retrieval unless 0 is within the top k).
const D = 10;
const oneHot = (rows: number[]): Embedded => {
  const data = new Float32Array(rows.length * D);
  rows.forEach((r, i) => (data[i * D + r] = 1));
  return { data, rows: rows.length, dim: D };
};
const model: Embeds = {
  embedImages: async (images, n) => ({ embedding: oneHot(Array.from(images.subarray(0, n), (v) => (v >= 100 ? (v - 100 >= 6 ? 0 : v - 100) : v))) }),
  embedTexts: async (ids) => oneHot(ids.map((r) => r[0])),
};
const items = (style: string) => Array.from({ length: D }, (_, k) => ({ concept: `c${k}`, style, tone: '', caption: String(k) }));

describe('evaluateRetrieval', () => {
  it('computes per-style retrieval, CLIP-T and cross-style CLIP-I from the embeddings', async () => {
    const m = await evaluateRetrieval(model, {
      byStyle: { a: items('a'), b: items('b') },
      pixels: (its) => Float32Array.from(its, (it) => Number(it.caption) + (it.style === 'b' ? 100 : 0)),
      encode: (c) => [Number(c)],
    });
    expect(m.imageToCaptionTop1_a).toBe(1);
    expect(m.imageToCaptionTop5_a).toBe(1);
    expect(m.clipTReal_a).toBe(1);
    // Style b: concepts 0–5 right (6/10); 6–9 sit exactly on caption 0 and tie with nothing else.
    expect(m.imageToCaptionTop1_b).toBeCloseTo(0.6, 12);
    expect(m.clipTReal_b).toBeCloseTo(0.6, 12);
    expect(m.clipIStyles_a_b).toBeCloseTo(0.6, 12);
  });
});

describe('matchedVersusOther', () => {
  it('averages matched pairs and mismatched pairs separately', () => {
    const a = rows([1, 0, 0, 1, 1, 1], 2);
    const b = rows([1, 0, 0, 1, 1, 0], 2);
    // Matched: 1, 1, √½. Others: (a0,b1)=0, (a0,b2)=1, (a1,b0)=0, (a1,b2)=0, (a2,b0)=√½, (a2,b1)=√½.
    const r = matchedVersusOther(a, b);
    expect(r.matched).toBeCloseTo((2 + Math.SQRT1_2) / 3, 12);
    expect(r.other).toBeCloseTo((1 + Math.SQRT2) / 6, 12);
  });
});
