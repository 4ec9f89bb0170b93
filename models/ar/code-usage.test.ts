// Code usage: counts per code, the fraction of the codebook seen, and the perplexity exp(H).
import { describe, expect, it } from 'vitest';
import { codeUsage } from './code-usage.ts';

describe('code usage', () => {
  it('counts codes and measures how evenly they are spread', () => {
    const u = codeUsage(new BigInt64Array([3n, 1n, 3n, 0n, 3n, 1n]), 8);
    expect(Array.from(u.counts)).toEqual([1, 2, 0, 3, 0, 0, 0, 0]);
    expect(u.tokens).toBe(6);
    expect(u.used).toBe(3);
    expect(u.usage).toBe(3 / 8);
    const p = [1 / 6, 2 / 6, 3 / 6];
    expect(u.perplexity).toBeCloseTo(Math.exp(-p.reduce((s, x) => s + x * Math.log(x), 0)), 12);
  });

  it('gives the number of codes for a uniform spread and 1 for a collapsed one', () => {
    expect(codeUsage([0, 1, 2, 3, 3, 2, 1, 0], 4).perplexity).toBeCloseTo(4, 12);
    const collapsed = codeUsage(new Array(100).fill(7), 1000);
    expect(collapsed.perplexity).toBe(1);
    expect(collapsed.usage).toBe(0.001);
  });

  it('refuses a token outside the codebook, naming it', () => {
    expect(() => codeUsage([0, 4], 4)).toThrow(/token 1 is 4, outside the codebook \[0, 4\)/);
    expect(() => codeUsage([0], 0)).toThrow(/codebook size 0/);
  });
});
