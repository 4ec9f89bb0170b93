import { describe, expect, it } from 'vitest';
import { doc, testCatalog } from '../document/testing.ts';
import { packOf, sourcesOf } from './pack-of.ts';

const g = doc(
  [['m', 'model-loader', { pack: 'models/mine' }], ['i', 'image-loader', { sources: ['a.png'] }], ['n', 'seed-noise'], ['b', 'blend'], ['x', 'metrics']],
  [['m', 'model', 'x', 'model'], ['i', 'images', 'b', 'a'], ['n', 'image', 'b', 'b'], ['b', 'image', 'x', 'images'], ['i', 'images', 'x', 'references']],
);

describe('what a node works with', () => {
  it('reads the pack of the model wired in', () => {
    expect(packOf(g, testCatalog, 'x')).toBe('models/mine');
    expect(packOf(g, testCatalog, 'b')).toBeUndefined();
  });

  it('finds the picture sources upstream', () => {
    expect(sourcesOf(g, testCatalog, 'x').sort()).toEqual(['i', 'n']);
    expect(sourcesOf(g, testCatalog, 'i')).toEqual([]);
  });
});
