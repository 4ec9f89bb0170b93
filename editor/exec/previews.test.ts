import { describe, expect, it } from 'vitest';
import { previewOf, tensorItemToRgba } from './previews.ts';

// A tensor as the runtime hands one over: plain data, no engine needed.
const f32 = (shape: number[], data: number[]) => ({ dtype: 'float32' as const, shape, data: new Float32Array(data) });

describe('previews', () => {
  it('turns an image batch into RGBA pictures, copying the data', () => {
    const t = f32([2, 3, 1, 2], [0, 1, 0.5, 0.5, 1, 0, /* item 2 */ 1, 1, 1, 1, 1, 1]);
    const p = previewOf('image', { kind: 'image', tensor: t });
    if (p.kind !== 'images') throw new Error('expected images');
    expect(p.images).toHaveLength(2);
    expect(Array.from(p.images[0].data)).toEqual([0, 128, 255, 255, 255, 128, 0, 255]);
    (t.data as Float32Array).fill(0);
    expect(p.images[1].data[0]).toBe(255);
  });

  it('stretches a latent to its own range and shows one channel as grey', () => {
    const img = tensorItemToRgba(f32([1, 1, 1, 3], [-2, 0, 2]), 0, true);
    expect(Array.from(img.data)).toEqual([0, 0, 0, 255, 128, 128, 128, 255, 255, 255, 255, 255]);
  });

  it('says what an optimizer made in words, and which outputs these settings do not make', () => {
    const vector = f32([1, 128], new Array(128).fill(0));
    expect(previewOf('latent', { kind: 'latent', space: 'text-embedding', tensor: vector })).toEqual({ kind: 'text', port: 'latent', text: 'text-embedding: 128 numbers' });
    expect(previewOf('embedding', { kind: 'embedding', tensor: vector, token: 'S*' })).toEqual({ kind: 'text', port: 'embedding', text: 'word embedding of S*: 128 numbers' });
    expect(previewOf('embedding', { kind: 'embedding', tensor: f32([0, 128], []) })).toEqual({ kind: 'text', port: 'embedding', text: 'not made with these settings' });
  });

  it('summarizes kinds that are not pictures', () => {
    expect(previewOf('prompt', { kind: 'prompt', text: 'a cat' })).toEqual({ kind: 'text', port: 'prompt', text: '“a cat”' });
    expect(previewOf('loss', { kind: 'series', values: [3, 2, 1] })).toEqual({ kind: 'series', port: 'loss', values: [3, 2, 1] });
  });
});
