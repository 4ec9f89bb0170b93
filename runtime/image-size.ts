// The size an image file declares, read from its header without decoding a pixel, so a
// decompression bomb (a small file that declares 16,000 × 16,000 pixels) is refused before any
// decoder allocates for it. PNG, GIF, JPEG and WebP: what the browser path decodes.
import { LIMITS, LimitError } from '../ml/untrusted/limits.ts';

export interface ImageSize {
  format: 'png' | 'gif' | 'jpeg' | 'webp';
  width: number;
  height: number;
}

const u16be = (b: Uint8Array, i: number) => (b[i] << 8) | b[i + 1];
const u16le = (b: Uint8Array, i: number) => b[i] | (b[i + 1] << 8);
const u24le = (b: Uint8Array, i: number) => b[i] | (b[i + 1] << 8) | (b[i + 2] << 16);
const u32be = (b: Uint8Array, i: number) => ((b[i] << 24) >>> 0) + ((b[i + 1] << 16) | (b[i + 2] << 8) | b[i + 3]);
const ascii = (b: Uint8Array, i: number, n: number) => String.fromCharCode(...b.subarray(i, i + n));

/** The declared size, or undefined when the bytes are none of the four formats (or cut short). */
export function imageSize(b: Uint8Array): ImageSize | undefined {
  if (b.length >= 24 && u32be(b, 0) === 0x89504e47 && ascii(b, 12, 4) === 'IHDR') return { format: 'png', width: u32be(b, 16), height: u32be(b, 20) };
  if (b.length >= 10 && ascii(b, 0, 4) === 'GIF8') return { format: 'gif', width: u16le(b, 6), height: u16le(b, 8) };
  if (b.length >= 30 && ascii(b, 0, 4) === 'RIFF' && ascii(b, 8, 4) === 'WEBP') {
    const kind = ascii(b, 12, 4);
    if (kind === 'VP8X') return { format: 'webp', width: u24le(b, 24) + 1, height: u24le(b, 27) + 1 };
    if (kind === 'VP8L' && b[20] === 0x2f) {
      const bits = b[21] | (b[22] << 8) | (b[23] << 16) | (b[24] << 24);
      return { format: 'webp', width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1 };
    }
    if (kind === 'VP8 ') return { format: 'webp', width: u16le(b, 26) & 0x3fff, height: u16le(b, 28) & 0x3fff };
    return undefined;
  }
  if (b.length >= 4 && b[0] === 0xff && b[1] === 0xd8) {
    // Walk the segments to the first start-of-frame marker (C0–CF except C4, C8, CC).
    let i = 2;
    while (i + 9 < b.length) {
      if (b[i] !== 0xff) return undefined;
      const marker = b[i + 1];
      if (marker === 0xff) {
        i++;
        continue;
      }
      if (marker === 0xd8 || (marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) {
        i += 2;
        continue;
      }
      if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc)
        return { format: 'jpeg', height: u16be(b, i + 5), width: u16be(b, i + 7) };
      i += 2 + u16be(b, i + 2);
    }
  }
  return undefined;
}

/** Throws when a declared size is empty or beyond LIMITS.imagePixels. */
export function checkImageSize(width: number, height: number): void {
  if (!(width > 0 && height > 0)) throw new Error(`the image declares a size of ${width} × ${height} pixels`);
  if (width * height > LIMITS.imagePixels)
    throw new LimitError('imagePixels', `the image declares ${width.toLocaleString('en-US')} × ${height.toLocaleString('en-US')} pixels`);
}

/**
 * The size to decode a width × height image to when it only needs to cover cover.width ×
 * cover.height: twice the cover scale (so the final resampling still averages), never larger than
 * the image itself.
 */
export function shrunkSize(width: number, height: number, cover?: { width: number; height: number }): { width: number; height: number } {
  if (!cover) return { width, height };
  const scale = 2 * Math.max(cover.width / width, cover.height / height);
  if (scale >= 1) return { width, height };
  return { width: Math.max(1, Math.ceil(width * scale)), height: Math.max(1, Math.ceil(height * scale)) };
}
