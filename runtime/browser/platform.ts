// The browser's side of the platform: every source is a URL (http, blob: for dropped files,
// data:), read by the bounded fetchBytes, and decoding is the browser's own, which also works
// inside a worker. The declared size is read from the header first, so a decompression bomb is
// refused before the browser decodes it, and a large image is decoded straight to a smaller size.
import { fetchBytes } from '../fetch-bytes.ts';
import { checkImageSize, imageSize, shrunkSize } from '../image-size.ts';
import type { Platform } from '../platform.ts';

export const browserPlatform: Platform = {
  readSource: fetchBytes,
  async decodeImage(bytes, cover) {
    const declared = imageSize(bytes);
    if (!declared) throw new Error('not a PNG, JPEG, GIF or WebP image (or cut short)');
    checkImageSize(declared.width, declared.height);
    const target = shrunkSize(declared.width, declared.height, cover);
    const resize = target.width < declared.width ? { resizeWidth: target.width, resizeHeight: target.height, resizeQuality: 'high' as const } : {};
    const bitmap = await createImageBitmap(new Blob([bytes as Uint8Array<ArrayBuffer>]), { premultiplyAlpha: 'none', colorSpaceConversion: 'none', ...resize });
    const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
    const ctx = canvas.getContext('2d');
    if (!ctx) throw new Error('no 2D canvas in this browser');
    ctx.drawImage(bitmap, 0, 0);
    bitmap.close();
    const { data, width, height } = ctx.getImageData(0, 0, canvas.width, canvas.height);
    return { width, height, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
  },
};
