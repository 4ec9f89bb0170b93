import { describe, expect, it } from 'vitest';
import { rows } from '../evaluator/metrics.ts';
import { centroidTopK, classCentroids } from './class-retrieval.ts';

// Three classes in 2-D: class 0 points along x, class 1 along y, class 2 along −x.
const members = rows([1, 0.1, 0.9, -0.1, 0.1, 1, -0.1, 1, -1, 0.05], 2);
const labels = [0, 0, 1, 1, 2];

describe('class retrieval by nearest centroid', () => {
  const c = classCentroids(members, labels, 4);

  it('sums members per class and counts them (an empty class stays empty)', () => {
    expect(Array.from(c.counts)).toEqual([2, 2, 1, 0]);
    expect(Array.from(c.sums.subarray(0, 2))).toEqual([1.9, 0]);
    expect(() => classCentroids(members, [0, 0, 1, 1, 4], 4)).toThrow(/label 4 of row 4 is outside 0…3/);
  });

  it('scores top-1 and top-k; an empty class is no candidate and its queries miss', () => {
    const q = rows([0.8, 0.2, 0.2, 0.9, 0.8, 0.2, 0, 1], 2);
    // Query 2 points along x but asks for class 2 (along −x): third nearest of the three live centroids.
    expect(centroidTopK(q, [0, 1, 2, 1], c, 1)).toBe(3 / 4);
    expect(centroidTopK(q, [0, 1, 2, 1], c, 2)).toBe(3 / 4);
    expect(centroidTopK(q, [0, 1, 2, 1], c, 3)).toBe(1);
    expect(centroidTopK(q, [0, 1, 3, 1], c, 3)).toBe(3 / 4);
    expect(() => centroidTopK(q, [0, 1, 4, 1], c, 1)).toThrow(/target 4 of query 2/);
  });
});
