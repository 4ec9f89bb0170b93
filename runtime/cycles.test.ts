import { describe, expect, it } from 'vitest';
import { loopsThrough } from './cycles.ts';

const graphOf = (edges: [string, string][]) => {
  const consumers = new Map<string, Set<string>>();
  for (const [a, b] of edges) {
    if (!consumers.has(a)) consumers.set(a, new Set());
    if (!consumers.has(b)) consumers.set(b, new Set());
    consumers.get(a)!.add(b);
  }
  return consumers;
};

describe('loopsThrough', () => {
  it('gives every node on a cycle a simple loop through it, and none to the others', () => {
    const c = graphOf([['a', 'b'], ['b', 'c'], ['c', 'a'], ['c', 'd'], ['d', 'd'], ['e', 'a']]);
    const loops = loopsThrough(['a', 'b', 'c', 'd', 'e'], c);
    expect(loops.get('a')).toEqual(['a', 'b', 'c', 'a']);
    expect(loops.get('b')).toEqual(['b', 'c', 'a', 'b']);
    expect(loops.get('d')).toEqual(['d', 'd']);
    expect(loops.has('e')).toBe(false);
  });

  it('finds valid simple loops in a seeded tangle of 5,000 nodes and 20,000 edges', () => {
    const n = 5000;
    const ids = Array.from({ length: n }, (_, i) => `n${i}`);
    const edges = Array.from({ length: 20_000 }, (_, i): [string, string] => [`n${(i * 7919) % n}`, `n${(i * 104_729 + 1) % n}`]);
    const c = graphOf(edges);
    const loops = loopsThrough(ids, c);
    expect(loops.size).toBeGreaterThan(1000);
    const bad = [...loops].filter(
      ([id, loop]) =>
        loop[0] !== id || loop.at(-1) !== id || new Set(loop.slice(0, -1)).size !== loop.length - 1 || loop.slice(1).some((next, i) => !c.get(loop[i])!.has(next)),
    );
    expect(bad.map(([id]) => id)).toEqual([]);
  });
});
