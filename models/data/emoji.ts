// The emoji dataset in Node: reads both packages' emoji.json, builds the catalog and applies the
// frozen hold-out split (holdout.json beside this file). Pixels are loaded by pixels.ts.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { catalogItems, type EmojiItem, type EmojiRecord, emojiRecordSchema, type EmojiStyle, STYLE_SOURCE, STYLES } from './catalog.ts';
import { type Holdout, holdoutSchema } from './split.ts';

export type Split = 'train' | 'holdout' | 'all';

export interface DatasetOptions {
  split: Split;
  /** Only these styles (default both). */
  styles?: readonly EmojiStyle[];
}

const require = createRequire(import.meta.url);
const HOLDOUT_FILE = join(dirname(fileURLToPath(import.meta.url)), 'holdout.json');

/** Folder of a style's package (resolved like an import, so hoisting does not matter). */
export const packageDir = (style: EmojiStyle) => dirname(require.resolve(`${STYLE_SOURCE[style].pkg}/package.json`));

/** Absolute path of an item's 64×64 PNG. */
export const imagePath = (item: EmojiItem) => join(packageDir(item.style), 'img', STYLE_SOURCE[item.style].set, '64', item.file);

const recordsCache = new Map<EmojiStyle, EmojiRecord[]>();

/** A style's emoji.json, validated. */
export function emojiRecords(style: EmojiStyle): EmojiRecord[] {
  let r = recordsCache.get(style);
  if (!r) {
    const raw: unknown = JSON.parse(readFileSync(join(packageDir(style), 'emoji.json'), 'utf8'));
    r = z.array(emojiRecordSchema).parse(raw);
    recordsCache.set(style, r);
  }
  return r;
}

export function readHoldout(file = HOLDOUT_FILE): Holdout {
  return holdoutSchema.parse(JSON.parse(readFileSync(file, 'utf8')));
}

/**
 * Items of a split in a fixed order (twemoji first, then noto; each in emoji.json sort order).
 * 'train' never contains an image of a held-out concept, in either style or any skin tone.
 */
export function loadEmojiDataset(opts: DatasetOptions): EmojiItem[] {
  const held = new Set(readHoldout().concepts.map((c) => c.concept));
  const styles = opts.styles ?? STYLES;
  const all = styles.flatMap((s) => catalogItems(emojiRecords(s), s));
  if (opts.split === 'all') return all;
  const wantHeld = opts.split === 'holdout';
  return all.filter((it) => held.has(it.concept) === wantHeld);
}
