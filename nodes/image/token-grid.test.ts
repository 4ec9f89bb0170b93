import { describe, expect, it } from 'vitest';
import { f32 } from '../../ml/index.ts';
import { heatColour, heatOverlay } from './heatmap.ts';
import { codeColour, greyUnknown, tokenAt, tokenGridImage, toggleMasked, UNKNOWN_GREY } from './token-grid.ts';

const px = (img: { width: number; data: Uint8Array }, x: number, y: number) => Array.from(img.data.subarray((y * img.width + x) * 4, (y * img.width + x) * 4 + 3));

describe('token grid pictures', () => {
  it('gives each code one colour, neighbours apart, and none the grey of an unknown token', () => {
    const colours = Array.from({ length: 1000 }, (_, c) => codeColour(c).join());
    expect(codeColour(417)).toEqual(codeColour(417));
    // Codes side by side differ clearly (hue steps by the golden ratio).
    for (let c = 0; c < 999; c++) {
      const [a, b] = [codeColour(c), codeColour(c + 1)];
      expect(Math.abs(a[0] - b[0]) + Math.abs(a[1] - b[1]) + Math.abs(a[2] - b[2]), `codes ${c} and ${c + 1}`).toBeGreaterThan(40);
    }
    expect(colours).not.toContain(UNKNOWN_GREY.join());
    expect(new Set(colours).size).toBeGreaterThan(950);
    expect(() => codeColour(-1)).toThrow(/not a code/);
  });

  it('draws each token as a cell in its code’s colour, unknown ones grey', () => {
    const img = tokenGridImage([0, 1, 2, 3], 2, 4, [1, 1, 0, 1]);
    expect([img.width, img.height]).toEqual([8, 8]);
    expect(px(img, 1, 1)).toEqual([...codeColour(0)]);
    expect(px(img, 5, 1)).toEqual([...codeColour(1)]);
    expect(px(img, 1, 5)).toEqual([...UNKNOWN_GREY]);
    expect(px(img, 5, 5)).toEqual([...codeColour(3)]);
    expect(px(img, 3, 0)).toEqual([255, 255, 255]); // the line between tokens
    expect(() => tokenGridImage([0, 1, 2], 2)).toThrow(/2×2 grid has 4 tokens, got 3/);
  });

  it('greys the area of unknown tokens in a decoded image and leaves the rest', () => {
    const image = { width: 4, height: 4, data: new Uint8Array(64).fill(0) };
    const out = greyUnknown(image, 2, [1, 0, 1, 1]);
    expect(px(out, 0, 0)).toEqual([0, 0, 0]);
    expect(px(out, 3, 1)[0]).toBeGreaterThan(150);
    expect(px(out, 3, 3)).toEqual([0, 0, 0]);
  });

  it('finds the token under a click and toggles it in a sorted mask', () => {
    expect(tokenAt(0, 0, 8, 128)).toBe(0);
    expect(tokenAt(127, 127, 8, 128)).toBe(63);
    expect(tokenAt(20, 40, 8, 128)).toBe(2 * 8 + 1);
    expect(tokenAt(130, 4, 8, 128)).toBeNull();
    expect(toggleMasked([5, 1], 3)).toEqual([1, 3, 5]);
    expect(toggleMasked([1, 3, 5], 3)).toEqual([1, 5]);
  });
});

describe('heat map', () => {
  it('runs from dark (expected) to pale yellow (surprising) and blends over the image', () => {
    expect(heatColour(0).every((v) => v < 0.05)).toBe(true);
    expect(heatColour(1)[0]).toBeGreaterThan(0.95);
    const white = f32([1, 3, 2, 2], new Array(12).fill(1));
    const out = heatOverlay(white, Float32Array.from([0, 2, 2, 2]), 2, 2, 1).data as Float32Array;
    // Token 0 has no loss: its pixel is the ramp's dark end; token 1 the brightest.
    expect(out[0]).toBeLessThan(0.05);
    expect(out[1]).toBeGreaterThan(0.95);
    const half = heatOverlay(white, Float32Array.from([0, 0, 0, 0]), 2, 1, 0.5).data as Float32Array;
    expect(half[0]).toBeCloseTo(0.5, 2);
    expect(() => heatOverlay(white, new Float32Array(3), 2, 1, 1)).toThrow(/3 values for 1 grids of 2×2/);
  });
});
