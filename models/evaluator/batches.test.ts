import { describe, expect, it } from 'vitest';
import { ConceptBatches } from './batches.ts';

// 10 concepts; concept 0 has 1 base + 24 tone variants, the rest a base image in two styles.
const items = [
  { concept: 'c0', tone: '' },
  ...Array.from({ length: 24 }, (_, i) => ({ concept: 'c0', tone: `t${i}` })),
  ...Array.from({ length: 18 }, (_, i) => ({ concept: `c${1 + (i >> 1)}`, tone: '' })),
];

describe('ConceptBatches', () => {
  it('never puts two images of one concept in a batch, and covers every concept each epoch', () => {
    const b = new ConceptBatches(items, 3, 7);
    expect(b.perEpoch).toBe(3);
    for (let epoch = 0; epoch < 4; epoch++) {
      const seen: string[] = [];
      for (let s = 0; s < b.perEpoch; s++) {
        const concepts = b.at(epoch * b.perEpoch + s).map((i) => items[i].concept);
        expect(new Set(concepts).size).toBe(3);
        seen.push(...concepts);
      }
      expect(new Set(seen).size).toBe(9); // 10 concepts, 9 fit in whole batches
    }
  });

  it('is a pure function of (seed, step)', () => {
    const a = new ConceptBatches(items, 4, 1);
    const b = new ConceptBatches(items, 4, 1);
    expect(a.at(17)).toEqual(b.at(17));
    expect(new ConceptBatches(items, 4, 2).at(17)).not.toEqual(a.at(17));
  });

  it('draws the base image of a many-variant concept about half the time plus its share of the rest', () => {
    const b = new ConceptBatches(items, 10, 3);
    let base = 0;
    let c0 = 0;
    for (let s = 0; s < 2000; s++)
      for (const i of b.at(s))
        if (items[i].concept === 'c0') {
          c0++;
          if (!items[i].tone) base++;
        }
    expect(c0).toBe(2000);
    expect(base / c0).toBeGreaterThan(0.45);
    expect(base / c0).toBeLessThan(0.6);
  });

  it('refuses a batch larger than the number of concepts', () => {
    expect(() => new ConceptBatches(items, 11, 0)).toThrow(/exceeds/);
  });
});
