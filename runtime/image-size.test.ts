import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { checkImageSize, imageSize, shrunkSize } from './image-size.ts';

describe('imageSize', () => {
  it('reads the declared size of PNG, JPEG, GIF and lossless and lossy WebP from the header', async () => {
    const raw = () => sharp(new Uint8Array(37 * 23 * 4).fill(128), { raw: { width: 37, height: 23, channels: 4 } });
    const files = {
      png: await raw().png().toBuffer(),
      jpeg: await raw().jpeg().toBuffer(),
      gif: await raw().gif().toBuffer(),
      webp: await raw().webp({ lossless: true }).toBuffer(),
      lossy: await raw().webp({ quality: 50 }).toBuffer(),
    };
    for (const [name, bytes] of Object.entries(files)) expect(imageSize(new Uint8Array(bytes)), name).toMatchObject({ width: 37, height: 23 });
    expect(imageSize(new TextEncoder().encode('not an image'))).toBeUndefined();
    expect(imageSize(new Uint8Array(files.png).slice(0, 10))).toBeUndefined();
  });

  it('refuses sizes past the pixel limit, and shrinks to twice what must be covered', () => {
    expect(() => checkImageSize(16_000, 16_000)).toThrow(/16,000 × 16,000 pixels \(limit imagePixels/);
    expect(() => checkImageSize(1, 100_000_000)).toThrow(/limit imagePixels/);
    expect(() => checkImageSize(0, 5)).toThrow(/0 × 5/);
    expect(shrunkSize(4000, 2000, { width: 64, height: 64 })).toEqual({ width: 256, height: 128 });
    expect(shrunkSize(100, 100, { width: 64, height: 64 })).toEqual({ width: 100, height: 100 });
  });
});
