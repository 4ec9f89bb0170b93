// Files dropped on the canvas or opened from the toolbar: graph JSON, PNGs that carry a graph,
// and plain pictures. Pictures become data: URLs so the graph keeps them across reloads and in
// saved files; large ones are scaled down first to stay within the document's size limits.
import { parseGraphText, type GraphDoc, type GraphNode } from '../../runtime/index.ts';
import { graphInPng, isPng } from './png-graph.ts';

export interface DroppedFiles {
  graph?: { name: string; doc: GraphDoc };
  /** data: URLs, in drop order. */
  images: string[];
  errors: string[];
}

/** The longest side a dropped picture keeps; enough for every model this app trains. */
const MAX_SIDE = 768;
/** An Image Loader source is at most a million characters. */
const MAX_URL = 1_000_000;

const isImage = (f: File) => /^image\/(png|jpeg|webp|gif|bmp)$/.test(f.type) || /\.(png|jpe?g|webp|gif|bmp)$/i.test(f.name);

export async function readDroppedFiles(files: readonly File[]): Promise<DroppedFiles> {
  const out: DroppedFiles = { images: [], errors: [] };
  for (const file of files) {
    const bytes = new Uint8Array(await file.arrayBuffer());
    if (/\.json$/i.test(file.name) || file.type === 'application/json') {
      const r = parseGraphText(new TextDecoder().decode(bytes));
      if (r.ok) out.graph ??= { name: file.name, doc: r.doc };
      else out.errors.push(`${file.name}: ${r.errors[0].message}`);
      continue;
    }
    if (isPng(bytes)) {
      const r = graphInPng(bytes);
      if (r?.ok) {
        out.graph ??= { name: file.name, doc: r.doc };
        continue;
      }
    }
    if (!isImage(file)) {
      out.errors.push(`${file.name}: not a graph or a picture`);
      continue;
    }
    try {
      out.images.push(await asDataUrl(file, bytes));
    } catch (e) {
      out.errors.push(`${file.name}: ${(e as Error).message}`);
    }
  }
  return out;
}

/** A data: URL that keeps the file's name as a parameter (RFC 2397), so the picture is still
 * "cat.png" in the form; decoders ignore parameters. */
const named = (mime: string, name: string, data: string) => `data:${mime};name=${encodeURIComponent(name)};base64,${data}`;

/** The file name a picture source carries: a data: URL's name parameter, a path's last part. */
export function pictureName(source: string): string | undefined {
  if (source.startsWith('data:')) {
    const meta = source.slice(5, source.indexOf(','));
    const param = meta.split(';').find((p) => p.startsWith('name='));
    if (!param) return undefined;
    try {
      return decodeURIComponent(param.slice(5));
    } catch {
      return undefined;
    }
  }
  return source.split(/[/\\]/).pop() || undefined;
}

async function asDataUrl(file: File, bytes: Uint8Array): Promise<string> {
  const direct = named(file.type || 'image/png', file.name, base64(bytes));
  if (direct.length <= MAX_URL) return direct;
  const bitmap = await createImageBitmap(file);
  const scale = Math.min(1, MAX_SIDE / Math.max(bitmap.width, bitmap.height));
  const canvas = new OffscreenCanvas(Math.round(bitmap.width * scale), Math.round(bitmap.height * scale));
  canvas.getContext('2d')!.drawImage(bitmap, 0, 0, canvas.width, canvas.height);
  bitmap.close();
  const blob = await canvas.convertToBlob({ type: 'image/jpeg', quality: 0.9 });
  return named('image/jpeg', file.name, base64(new Uint8Array(await blob.arrayBuffer())));
}

function base64(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

/** An Image Loader for dropped pictures: all of them in one batch, as a concept's images are,
 * at the size the graph works at (when it is known). */
export function imageLoaderFor(id: string, images: string[], at: { x: number; y: number }, size?: { width: number; height: number }): GraphNode {
  return { id, type: 'image-loader', params: { sources: images, ...size }, position: at };
}
