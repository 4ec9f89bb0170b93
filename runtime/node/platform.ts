// Node's side of the platform: files by path (relative to the graph's folder), URLs by fetch,
// and decoding by sharp (libvips), which reads PNG, JPEG and WebP alike.
import { readFile } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { nodeBackend } from '../../ml/session/node.ts';
import { fetchBytes } from '../fetch-bytes.ts';
import type { Platform } from '../platform.ts';

// The app's static folder: graphs written in the browser name assets relative to it
// ("samples/cat.png"), so the headless runtime looks there after the graph's own folder.
const PUBLIC_DIR = fileURLToPath(new URL('../../public/', import.meta.url));

export function nodePlatform(baseDir = process.cwd(), assetDirs: readonly string[] = [PUBLIC_DIR]): Platform {
  return {
    async readSource(source, signal) {
      if (source.startsWith('data:')) return dataUrlBytes(source);
      if (/^https?:\/\//.test(source)) return fetchBytes(source, signal);
      const path = source.startsWith('file://') ? fileURLToPath(source) : source;
      if (isAbsolute(path)) return new Uint8Array(await readFile(path, { signal }));
      const tried = [baseDir, ...assetDirs].map((dir) => resolve(dir, path));
      for (const candidate of tried) {
        try {
          return new Uint8Array(await readFile(candidate, { signal }));
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
        }
      }
      throw new Error(`no file "${path}" (looked in ${tried.join(', ')})`);
    },
    async decodeImage(bytes) {
      const { data, info } = await sharp(bytes).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
      return { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
    },
    backend: nodeBackend,
  };
}

export function dataUrlBytes(url: string): Uint8Array {
  const comma = url.indexOf(',');
  if (comma < 0) throw new Error('malformed data URL');
  const meta = url.slice(5, comma);
  const body = url.slice(comma + 1);
  return meta.endsWith(';base64') ? new Uint8Array(Buffer.from(body, 'base64')) : new TextEncoder().encode(decodeURIComponent(body));
}
