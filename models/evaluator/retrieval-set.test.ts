import { describe, expect, it } from 'vitest';
import { retrievalSet } from './retrieval-set.ts';

const items = Array.from({ length: 30 }, (_, k) => [
  { concept: `c${k}`, style: 'a', tone: '', caption: `thing ${k}, a style` },
  { concept: `c${k}`, style: 'a', tone: 'dark', caption: `thing ${k}, dark skin tone, a style` },
  ...(k % 10 === 0 ? [] : [{ concept: `c${k}`, style: 'b', tone: '', caption: `thing ${k}, b style` }]),
]).flat();

describe('retrievalSet', () => {
  it('picks distinct concepts with a base image in every style, the same each time', () => {
    const a = retrievalSet(items, ['a', 'b'], 20, 1);
    expect(a).toEqual(retrievalSet(items, ['a', 'b'], 20, 1));
    expect(new Set(a.concepts).size).toBe(20);
    expect(a.concepts).not.toContain('c0');
    expect(a.concepts).not.toContain('c10');
    for (const s of ['a', 'b'])
      a.byStyle[s].forEach((it, k) => {
        expect(it.concept).toBe(a.concepts[k]);
        expect(it.tone).toBe('');
        expect(it.style).toBe(s);
      });
    expect(retrievalSet(items, ['a', 'b'], 20, 2).concepts).not.toEqual(a.concepts);
  });

  it('fails loudly when too few concepts qualify', () => {
    expect(() => retrievalSet(items, ['a', 'b'], 28)).toThrow(/only 27/);
  });
});
