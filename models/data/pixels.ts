// Emoji pixels for training and evaluation. PNGs are decoded once per style (sharp), composited on
// WHITE (alpha dropped: out = α·rgb + (1 − α)·255, so every image is opaque RGB), and kept as uint8
// CHW in a cache file outside the repo; later runs read one file instead of decoding 3,786 PNGs.
// Batches come out as float32 NCHW in [−1, 1] (v/127.5 − 1), the range the autoencoder models.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { f32, type Tensor } from '../../ml/index.ts';
import { catalogItems, type EmojiItem, type EmojiStyle } from './catalog.ts';
import { emojiRecords, imagePath, packageDir } from './emoji.ts';

export const IMAGE_SIZE = 64;
export const CHANNELS = 3;
export const IMAGE_BYTES = CHANNELS * IMAGE_SIZE * IMAGE_SIZE;
// Bump when the decoding changes (background, layout), so stale caches are not reused.
const CACHE_FORMAT = 'white-chw-u8-v1';

/** The cache root: $PERSONALIZE_WORKBENCH_CACHE, else $XDG_CACHE_HOME or ~/.cache, + /personalize-workbench. */
export function cacheRoot(): string {
  const env = process.env.PERSONALIZE_WORKBENCH_CACHE;
  if (env) return env;
  return join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'personalize-workbench');
}

export interface PixelOptions {
  /** Where decoded pixels are cached (default cacheRoot()/emoji-pixels). */
  cacheDir?: string;
  /** Called while decoding a style for the first time. */
  onProgress?: (style: EmojiStyle, done: number, total: number) => void;
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

async function styleVersion(style: EmojiStyle): Promise<string> {
  const pkg = JSON.parse(readFileSync(join(packageDir(style), 'package.json'), 'utf8')) as { version: string };
  return pkg.version;
}

// Blocks already read by this process, by cache file: a run that loads several subsets reads each once.
const loaded = new Map<string, Map<string, Uint8Array>>();

/** Every image of a style (the whole catalog, held-out included) from the cache, decoding on a miss. */
async function styleBlock(style: EmojiStyle, opts: PixelOptions): Promise<Map<string, Uint8Array>> {
  const items = catalogItems(emojiRecords(style), style);
  const dir = opts.cacheDir ?? join(cacheRoot(), 'emoji-pixels');
  const stem = join(dir, `${style}-${await styleVersion(style)}-${CACHE_FORMAT}`);
  const hit = loaded.get(stem);
  if (hit) return hit;
  let block: Uint8Array;
  const ids = items.map((it) => it.id);
  const cachedIds = existsSync(`${stem}.json`) ? (JSON.parse(readFileSync(`${stem}.json`, 'utf8')) as string[]) : null;
  if (cachedIds && cachedIds.join('\n') === ids.join('\n') && existsSync(`${stem}.u8`)) {
    block = new Uint8Array(readFileSync(`${stem}.u8`));
    if (block.byteLength !== ids.length * IMAGE_BYTES) throw new Error(`pixel cache ${stem}.u8 is truncated; delete it to rebuild`);
  } else {
    block = new Uint8Array(ids.length * IMAGE_BYTES);
    const CHUNK = 64;
    for (let i = 0; i < items.length; i += CHUNK) {
      const part = await Promise.all(items.slice(i, i + CHUNK).map((it) => decodeEmoji(imagePath(it))));
      part.forEach((px, k) => block.set(px, (i + k) * IMAGE_BYTES));
      opts.onProgress?.(style, Math.min(i + CHUNK, items.length), items.length);
    }
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

/** The pixels of `items` (any mix of styles), from the cache. */
export async function loadPixels(items: readonly EmojiItem[], opts: PixelOptions = {}): Promise<PixelStore> {
  const blocks = new Map<EmojiStyle, Map<string, Uint8Array>>();
  for (const s of new Set(items.map((it) => it.style))) blocks.set(s, await styleBlock(s, opts));
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
