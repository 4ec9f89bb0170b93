import { describe, expect, it } from 'vitest';
import { codeColour, UNKNOWN_GREY } from '../../nodes/image/token-grid.ts';
import { doc } from '../document/testing.ts';
import { previewOf, type Preview } from './previews.ts';
import { gridPicture, pairTokens, wiredGrid } from './token-grids.ts';

// Values as the runtime hands them over: plain data, no engine needed.
const grids = (n: number, side: number) => ({ kind: 'latent' as const, space: 'tokens', tensor: { dtype: 'int32' as const, shape: [n, side, side], data: Int32Array.from({ length: n * side * side }, (_, i) => i % 7) } });
const images = (n: number) => ({ kind: 'image' as const, tensor: { dtype: 'float32' as const, shape: [n, 3, 2, 2], data: new Float32Array(n * 12).fill(0.5) } });
const px = (img: { width: number; data: Uint8Array }, x: number, y: number) => Array.from(img.data.subarray((y * img.width + x) * 4, (y * img.width + x) * 4 + 3));

describe('token grids in the editor', () => {
  it('previews a tokens latent as its grids (copied), any other latent as before', () => {
    const v = grids(2, 3);
    const p = previewOf('tokens', v);
    if (p.kind !== 'tokens') throw new Error('expected a token preview');
    expect(p).toMatchObject({ side: 3, total: 2, caption: '2 × 3×3 tokens' });
    expect(Array.from(p.grids[1])).toEqual([2, 3, 4, 5, 6, 0, 1, 2, 3]);
    (v.tensor.data as Int32Array).fill(0);
    expect(p.grids[1][0]).toBe(2);
    // A latent in another space of the same shape stays a latent.
    expect(previewOf('latent', { ...grids(1, 3), space: 'w+' }).kind).toBe('text');
  });

  it('pairs grids with the node’s images of the same count, drawn beside them instead of twice', () => {
    const results: Preview[] = [previewOf('tokens', grids(2, 3)), previewOf('images', images(2)), previewOf('loss', { kind: 'series', values: [1] })];
    const shown = pairTokens(results);
    expect(shown.map((p) => p.kind)).toEqual(['token-pair', 'series']);
    expect(shown[0]).toMatchObject({ port: 'tokens', images: { port: 'images', total: 2 } });
    // Images of another count are not these grids' decoding: both show on their own.
    expect(pairTokens([previewOf('tokens', grids(2, 3)), previewOf('images', images(3))]).map((p) => p.kind)).toEqual(['token-pair', 'images']);
  });

  it('draws masked tokens grey and the others in their code colours', () => {
    const codes = Int32Array.from([5, 6, 7, 8]);
    const pic = gridPicture(codes, 2, [1], 4);
    expect(px(pic, 1, 1)).toEqual([...codeColour(5)]);
    expect(px(pic, 5, 1)).toEqual([...UNKNOWN_GREY]);
  });

  it('finds the grid wired into the node’s input from its source’s result, or says what to do', () => {
    const g = doc([['e', 'encoder-inversion', { mode: 'tokenizer' }], ['s', 'ar-sampler']], [['e', 'latent', 's', 'tokens']]);
    expect(wiredGrid(doc([['s', 'ar-sampler']]), {}, 's', 'tokens')).toEqual({ missing: 'wire a token grid into tokens to choose tokens to redraw' });
    expect(wiredGrid(g, {}, 's', 'tokens')).toMatchObject({ missing: expect.stringMatching(/run the graph up to e/) });
    const found = wiredGrid(g, { e: [previewOf('latent', grids(1, 3))] }, 's', 'tokens');
    if ('missing' in found) throw new Error(found.missing);
    expect(found.source).toBe('e');
    expect(found.tokens.side).toBe(3);
  });
});
