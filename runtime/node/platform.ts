// Node's side of the platform: files by path (relative to the graph's folder), URLs by fetch,
// and decoding by sharp (libvips), which reads PNG, JPEG and WebP alike. Every read goes through
// readUserFile or fetchBytes, so it is bounded; decoding refuses images beyond LIMITS.imagePixels
// and shrinks large ones inside libvips before they become RGBA.
import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { nodeBackend } from '../../ml/session/node.ts';
import { type ByteLimit, formatBytes, LIMITS, LimitError } from '../../ml/untrusted/limits.ts';
import { fetchBytes } from '../fetch-bytes.ts';
import { checkImageSize, shrunkSize } from '../image-size.ts';
import type { Platform } from '../platform.ts';
import { readUserFile } from './read-file.ts';

// The app's static folder: graphs written in the browser name assets relative to it
// ("samples/cat.png"), so the headless runtime looks there after the graph's own folder.
const PUBLIC_DIR = fileURLToPath(new URL('../../public/', import.meta.url));

export function nodePlatform(baseDir = process.cwd(), assetDirs: readonly string[] = [PUBLIC_DIR]): Platform {
  return {
    async readSource(source, signal, limit = 'sourceBytes') {
      if (source.startsWith('data:')) return dataUrlBytes(source, limit);
      if (/^https?:\/\//.test(source)) return fetchBytes(source, signal, limit);
      const path = source.startsWith('file://') ? fileURLToPath(source) : source;
      if (path.includes('\0')) throw new Error('a file name cannot hold a NUL character');
      if (isAbsolute(path)) return readUserFile(path, { limit, signal });
      const tried = [baseDir, ...assetDirs].map((dir) => resolve(dir, path));
      for (const candidate of tried) {
        try {
          return await readUserFile(candidate, { limit, signal });
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
        }
      }
      throw new Error(`no file "${path}" (looked in ${tried.join(', ')})`);
    },
    async decodeImage(bytes, cover) {
      // The pixel limit applies to what the header declares, before libvips allocates for it.
      const image = sharp(bytes, { limitInputPixels: LIMITS.imagePixels });
      const meta = await image.metadata().catch((e: Error) => {
        throw new Error(describeSharpError(e));
      });
      checkImageSize(meta.width ?? 0, meta.height ?? 0);
      const target = shrunkSize(meta.width!, meta.height!, cover);
      const resized = target.width < meta.width! ? image.resize(target.width, target.height, { fit: 'fill' }) : image;
      const { data, info } = await resized
        .ensureAlpha()
        .raw()
        .toBuffer({ resolveWithObject: true })
        .catch((e: Error) => {
          throw new Error(describeSharpError(e));
        });
      return { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
    },
    backend: nodeBackend,
  };
}

/** libvips's messages in the words of the problem. */
function describeSharpError(e: Error): string {
  const m = e.message;
  if (/pixel limit/i.test(m)) return new LimitError('imagePixels', 'the image declares more pixels than allowed').message;
  if (/unsupported image format/i.test(m)) return 'not an image in a format this app reads (PNG, JPEG, WebP, GIF, SVG, TIFF, AVIF)';
  return `the image is damaged or not an image (${m.split('\n')[0].replace(/^Input (buffer|file) (has|contains) /, '')})`;
}

export function dataUrlBytes(url: string, limit: ByteLimit = 'sourceBytes'): Uint8Array {
  const comma = url.indexOf(',');
  if (comma < 0) throw new Error('malformed data URL');
  const meta = url.slice(5, comma);
  const body = url.slice(comma + 1);
  let bytes: Uint8Array;
  try {
    bytes = meta.endsWith(';base64') ? new Uint8Array(Buffer.from(body, 'base64')) : new TextEncoder().encode(decodeURIComponent(body));
  } catch {
    throw new Error('malformed data URL (bad %-escape)');
  }
  if (bytes.byteLength > LIMITS[limit]) throw new LimitError(limit, `the data URL holds ${formatBytes(bytes.byteLength)}, more than ${formatBytes(LIMITS[limit])}`);
  return bytes;
}
