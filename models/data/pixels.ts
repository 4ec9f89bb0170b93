// Emoji pixels for training and evaluation. PNGs are decoded once per style (sharp), composited on
// WHITE (alpha dropped: out = α·rgb + (1 − α)·255, so every image is opaque RGB), and kept as uint8
// CHW in a cache file outside the repo; later runs read one file instead of decoding thousands of PNGs. SVG styles are rasterized to PNGs
// first (rasterize.ts), so every style goes through the same decoding.
// Batches come out as float32 NCHW in [−1, 1] (v/127.5 − 1), the range the autoencoder models.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import sharp from 'sharp';
import { f32, type Tensor } from '../../ml/index.ts';
import { cacheRoot } from './cache.ts';
import type { EmojiItem, EmojiStyle } from './catalog.ts';
import { imagePath, styleItems, styleVersion } from './emoji.ts';
import { rasterizeItems } from './rasterize.ts';

export { cacheRoot };

export const IMAGE_SIZE = 64;
export const CHANNELS = 3;
export const IMAGE_BYTES = CHANNELS * IMAGE_SIZE * IMAGE_SIZE;
// Bump when the decoding changes (background, layout), so stale caches are not reused.
const CACHE_FORMAT = 'white-chw-u8-v1';

export interface PixelOptions {
  /** Where decoded pixels are cached (default cacheRoot()/emoji-pixels). */
  cacheDir?: string;
  /** Called while decoding a style for the first time (and while rasterizing an SVG style). */
  onProgress?: (style: EmojiStyle, done: number, total: number, stage: 'rasterize' | 'decode') => void;
}

/** Images as uint8 [n, 3, 64, 64] in the order of `items`. */
export interface PixelStore {
  readonly items: readonly EmojiItem[];
  readonly pixels: Uint8Array;
}

/** Decodes one PNG, composited on white, as CHW uint8. */
export async function decodeEmoji(file: string): Promise<Uint8Array> {
  const { data, info } = await sharp(file)
    .resize(IMAGE_SIZE, IMAGE_SIZE, { fit: 'fill' })
    .flatten({ background: { r: 255, g: 255, b: 255 } })
    .raw()
    .toBuffer({ resolveWithObject: true });
  if (info.channels !== CHANNELS) throw new Error(`${file}: decoded ${info.channels} channels, expected ${CHANNELS}`);
  const plane = IMAGE_SIZE * IMAGE_SIZE;
  const out = new Uint8Array(IMAGE_BYTES);
  for (let i = 0; i < plane; i++) for (let c = 0; c < CHANNELS; c++) out[c * plane + i] = data[i * CHANNELS + c];
  return out;
}

// Blocks already read by this process, by cache file: a run that loads several subsets reads each once.
const loaded = new Map<string, Map<string, Uint8Array>>();

/** Decodes `items` of one style (rasterizing an SVG style's missing PNGs first) into one block. */
async function decodeItems(style: EmojiStyle, items: readonly EmojiItem[], opts: PixelOptions): Promise<Uint8Array> {
  await rasterizeItems(style, items, { size: IMAGE_SIZE, onProgress: (s, d, t) => opts.onProgress?.(s, d, t, 'rasterize') });
  const block = new Uint8Array(items.length * IMAGE_BYTES);
  const CHUNK = 64;
  for (let i = 0; i < items.length; i += CHUNK) {
    const part = await Promise.all(items.slice(i, i + CHUNK).map((it) => decodeEmoji(imagePath(it))));
    part.forEach((px, k) => block.set(px, (i + k) * IMAGE_BYTES));
    opts.onProgress?.(style, Math.min(i + CHUNK, items.length), items.length, 'decode');
  }
  return block;
}

const stemOf = (style: EmojiStyle, opts: PixelOptions) =>
  join(opts.cacheDir ?? join(cacheRoot(), 'emoji-pixels'), `${style}-${styleVersion(style)}-${CACHE_FORMAT}`);

// A request for at most this many images of a style whose block is not cached decodes just those
// (a smoke run or a test on a fresh machine need not rasterize and decode thousands of images).
const SMALL_REQUEST = 256;

/** Every image of a style (the whole catalog, held-out included) from the cache, decoding on a miss. */
async function styleBlock(style: EmojiStyle, opts: PixelOptions): Promise<Map<string, Uint8Array>> {
  const items = styleItems(style);
  const stem = stemOf(style, opts);
  const hit = loaded.get(stem);
  if (hit) return hit;
  let block: Uint8Array;
  const ids = items.map((it) => it.id);
  if (blockCached(stem, ids)) {
    block = new Uint8Array(readFileSync(`${stem}.u8`));
    if (block.byteLength !== ids.length * IMAGE_BYTES) throw new Error(`pixel cache ${stem}.u8 is truncated; delete it to rebuild`);
  } else {
    block = await decodeItems(style, items, opts);
    const dir = dirname(stem);
    mkdirSync(dir, { recursive: true });
    // Written under temporary names, then renamed: a run killed mid-write leaves no half cache.
    writeFileSync(`${stem}.u8.tmp`, block);
    writeFileSync(`${stem}.json.tmp`, JSON.stringify(ids));
    renameSync(`${stem}.u8.tmp`, `${stem}.u8`);
    renameSync(`${stem}.json.tmp`, `${stem}.json`);
  }
  const byId = new Map(ids.map((id, i) => [id, block.subarray(i * IMAGE_BYTES, (i + 1) * IMAGE_BYTES)]));
  loaded.set(stem, byId);
  return byId;
}

function blockCached(stem: string, ids: readonly string[]): boolean {
  if (!existsSync(`${stem}.json`) || !existsSync(`${stem}.u8`)) return false;
  return (JSON.parse(readFileSync(`${stem}.json`, 'utf8')) as string[]).join('\n') === ids.join('\n');
}

/** The pixels of `items` (any mix of styles), from the cache. */
export async function loadPixels(items: readonly EmojiItem[], opts: PixelOptions = {}): Promise<PixelStore> {
  const blocks = new Map<EmojiStyle, Map<string, Uint8Array>>();
  for (const s of new Set(items.map((it) => it.style))) {
    const mine = items.filter((it) => it.style === s);
    const stem = stemOf(s, opts);
    if (mine.length <= SMALL_REQUEST && !loaded.has(stem) && !blockCached(stem, styleItems(s).map((it) => it.id))) {
      const unique = [...new Map(mine.map((it) => [it.id, it])).values()];
      const block = await decodeItems(s, unique, opts);
      blocks.set(s, new Map(unique.map((it, i) => [it.id, block.subarray(i * IMAGE_BYTES, (i + 1) * IMAGE_BYTES)])));
    } else blocks.set(s, await styleBlock(s, opts));
  }
  const pixels = new Uint8Array(items.length * IMAGE_BYTES);
  items.forEach((it, i) => {
    const px = blocks.get(it.style)!.get(it.id);
    if (!px) throw new Error(`no pixels for ${it.id}`);
    pixels.set(px, i * IMAGE_BYTES);
  });
  return { items, pixels };
}

/** Images `indices` of the store as float32 [n, 3, 64, 64] in [−1, 1]. */
export function pixelBatch(store: PixelStore, indices: readonly number[]): Tensor {
  const t = f32([indices.length, CHANNELS, IMAGE_SIZE, IMAGE_SIZE]);
  const d = t.data as Float32Array;
  indices.forEach((idx, k) => {
    const src = store.pixels.subarray(idx * IMAGE_BYTES, (idx + 1) * IMAGE_BYTES);
    const o = k * IMAGE_BYTES;
    for (let i = 0; i < IMAGE_BYTES; i++) d[o + i] = src[i] / 127.5 - 1;
  });
  return t;
}
