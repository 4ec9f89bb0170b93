import { describe, expect, it } from 'vitest';
import { f32 } from '../../ml/tensor.ts';
import { concatBatch, crop, fit, grid, pad, resize, rgbaToTensor, tensorToRgba } from './ops.ts';

const ramp = (h: number, w: number) => f32([1, 1, h, w], Array.from({ length: h * w }, (_, i) => i));

describe('image ops', () => {
  it('RGBA → NCHW in [0, 1] with alpha over white, and back', () => {
    const t = rgbaToTensor({ width: 2, height: 1, data: new Uint8Array([255, 0, 0, 255, 0, 0, 0, 0]) });
    expect(t.shape).toEqual([1, 3, 1, 2]);
    expect(Array.from(t.data as Float32Array)).toEqual([1, 1, 0, 1, 0, 1]);
    expect(Array.from(tensorToRgba(t).data)).toEqual([255, 0, 0, 255, 255, 255, 255, 255]);
  });

  it('resize keeps a constant image constant and averages when shrinking', () => {
    const flat = f32([1, 1, 4, 4], new Array(16).fill(0.5));
    expect(Array.from(resize(flat, 3, 5).data as Float32Array).every((v) => Math.abs(v - 0.5) < 1e-6)).toBe(true);
    const half = resize(f32([1, 1, 1, 4], [0, 1, 0, 1]), 1, 2);
    expect(Array.from(half.data as Float32Array).map((v) => +v.toFixed(3))).toEqual([0.429, 0.571]); // triangle filter of width 2 over [0, 1, 0, 1]
  });

  it('crop takes the window and refuses one that does not fit', () => {
    expect(Array.from(crop(ramp(3, 3), 1, 1, 2, 2).data as Float32Array)).toEqual([4, 5, 7, 8]);
    expect(() => crop(ramp(3, 3), 2, 2, 2, 2)).toThrow(/does not fit/);
  });

  it('fit: cover crops the centre, contain pads with white, both land on the exact size', () => {
    const wide = ramp(2, 4);
    expect(fit(wide, 2, 2, 'cover').shape).toEqual([1, 1, 2, 2]);
    expect(Array.from(fit(wide, 2, 2, 'cover').data as Float32Array)).toEqual([1, 2, 5, 6]);
    const contained = fit(wide, 4, 4, 'contain');
    expect(contained.shape).toEqual([1, 1, 4, 4]);
    expect((contained.data as Float32Array)[0]).toBe(1); // padding
    expect(Array.from(pad(f32([1, 1, 1, 1], [0]), 3, 3).data as Float32Array)).toEqual([1, 1, 1, 1, 0, 1, 1, 1, 1]);
  });

  it('batches same-sized images and refuses mixed sizes', () => {
    expect(concatBatch([ramp(2, 2), ramp(2, 2)]).shape).toEqual([2, 1, 2, 2]);
    expect(() => concatBatch([ramp(2, 2), ramp(3, 2)])).toThrow(/cannot batch/);
  });

  it('lays a batch out as a grid', () => {
    const g = grid(concatBatch([ramp(4, 4), ramp(4, 4), ramp(4, 4)]), 2, 4, 1);
    expect(g.shape).toEqual([1, 3, 9, 9]);
  });
});
