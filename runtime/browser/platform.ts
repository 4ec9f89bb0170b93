// The browser's side of the platform: every source is a URL (http, blob: for dropped files,
// data:), and decoding is the browser's own, which also works inside a worker.
import { fetchBytes } from '../fetch-bytes.ts';
import type { Platform } from '../platform.ts';

export const browserPlatform: Platform = {
  readSource: fetchBytes,
  async decodeImage(bytes) {
    const bitmap = await createImageBitmap(new Blob([bytes as Uint8Array<ArrayBuffer>]), { premultiplyAlpha: 'none', colorSpaceConversion: 'none' });
    const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
    const ctx = canvas.getContext('2d');
    if (!ctx) throw new Error('no 2D canvas in this browser');
    ctx.drawImage(bitmap, 0, 0);
    bitmap.close();
    const { data, width, height } = ctx.getImageData(0, 0, canvas.width, canvas.height);
    return { width, height, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
  },
};
