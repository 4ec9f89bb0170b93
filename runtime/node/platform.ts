// Node's side of the platform: files by path (relative to the graph's folder), URLs by fetch,
// and decoding by sharp (libvips), which reads PNG, JPEG and WebP alike.
import { readFile } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import sharp from 'sharp';
import type { Platform } from '../platform.ts';

export function nodePlatform(baseDir = process.cwd()): Platform {
  return {
    async readSource(source, signal) {
      if (source.startsWith('data:')) return dataUrlBytes(source);
      if (/^https?:\/\//.test(source)) {
        const res = await fetch(source, { signal });
        if (!res.ok) throw new Error(`HTTP ${res.status}`);
        return new Uint8Array(await res.arrayBuffer());
      }
      const path = source.startsWith('file://') ? new URL(source).pathname : source;
      return new Uint8Array(await readFile(isAbsolute(path) ? path : resolve(baseDir, path), { signal }));
    },
    async decodeImage(bytes) {
      const { data, info } = await sharp(bytes).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
      return { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
    },
  };
}

export function dataUrlBytes(url: string): Uint8Array {
  const comma = url.indexOf(',');
  if (comma < 0) throw new Error('malformed data URL');
  const meta = url.slice(5, comma);
  const body = url.slice(comma + 1);
  return meta.endsWith(';base64') ? new Uint8Array(Buffer.from(body, 'base64')) : new TextEncoder().encode(decodeURIComponent(body));
}
