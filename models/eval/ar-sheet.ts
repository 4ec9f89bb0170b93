// The AR pack's sample sheet (docs/ar-samples.png): one row per prompt, the real image first, then
// the prompt's samples at fixed seeds, so a row reads as "what the caption shows" beside "what the
// model draws for it". The prompts are the captions of held-in base images of the sub-categories
// the GAN sheet shows (alternating the two core styles), so the families' sheets read side by side.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Rng } from '../../ml/index.ts';
import { CORE_STYLES, type EmojiItem } from '../data/catalog.ts';
import { loadPixels, pixelBatch } from '../data/pixels.ts';
import type { ArImages, ArSampling } from './ar-images.ts';
import { GAN_EVAL } from './gan.eval.ts';
import { gridPng } from './png-grid.ts';

export const AR_SHEET = { subcategories: GAN_EVAL.sheet.classes, seeds: 6, file: 'ar-samples' } as const;

/** One held-in base image per sheet sub-category (those the split has), style alternating by row. */
export function sheetItems(items: readonly EmojiItem[], rng: Rng): EmojiItem[] {
  const out: EmojiItem[] = [];
  for (const sub of AR_SHEET.subcategories) {
    const style = CORE_STYLES[out.length % CORE_STYLES.length];
    const pool = items.filter((it) => it.subcategory === sub && it.style === style && !it.tone);
    if (pool.length) out.push(pool[rng.int(pool.length)]);
  }
  if (!out.length) throw new Error(`ar sample sheet: the split has no base image of ${AR_SHEET.subcategories.join(', ')}`);
  return out;
}

/** Writes <dir>/ar-samples.png and its legend; returns the image's path. */
export async function writeArSheet(dir: string, images: ArImages, items: readonly EmojiItem[], s: ArSampling, seed: number): Promise<string> {
  const { seeds } = AR_SHEET;
  const columns = 1 + seeds;
  const R = images.resolution;
  const per = 3 * R * R;
  const real = pixelBatch(await loadPixels(items), items.map((_, i) => i)).data as Float32Array;
  // Row r: its caption at seeds seed … seed + seeds − 1.
  const captions = items.flatMap((it) => Array<string>(seeds).fill(it.caption));
  const generated = await images.generate(captions, captions.map((_, k) => seed + (k % seeds)), s);
  const tiles = new Float32Array(items.length * columns * per);
  items.forEach((_, r) => {
    tiles.set(real.subarray(r * per, (r + 1) * per), r * columns * per);
    tiles.set(generated.subarray(r * seeds * per, (r + 1) * seeds * per), (r * columns + 1) * per);
  });
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${AR_SHEET.file}.png`);
  writeFileSync(file, gridPng(tiles, items.length * columns, R, columns));
  const legend =
    `docs/${AR_SHEET.file}.png: the AR pack, one row per prompt: the real image, then seeds ${seed}…${seed + seeds - 1} ` +
    `(temperature ${s.temperature}, top-k ${s.topK || 'off'}, top-p ${s.topP}, guidance ${s.guidance}).\n\n` +
    items.map((it, i) => `row ${i + 1}: ${it.caption} (${it.subcategory})`).join('\n') +
    '\n';
  writeFileSync(join(dir, `${AR_SHEET.file}.txt`), legend);
  return file;
}
