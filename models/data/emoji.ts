// The emoji dataset in Node: reads the data packages (models/data/packages, installed by
// `npm run data:install`), builds the catalog of every style and applies the frozen hold-out split
// (holdout.json beside this file). Pixels are loaded by pixels.ts.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { cacheRoot } from './cache.ts';
import { catalogItems, type EmojiItem, type EmojiRecord, emojiRecordSchema, type EmojiStyle, STYLE_SOURCE, STYLES } from './catalog.ts';
import { dataPackageDir, dataPackageVersion } from './data-packages.ts';
import { charsSchema, iconNames, type IconNames, iconNamesSchema, type IconSet, iconSequences, iconSetSchema } from './iconify.ts';
import { type Holdout, holdoutSchema } from './split.ts';

export type Split = 'train' | 'holdout' | 'all';

export interface DatasetOptions {
  split: Split;
  /** Only these styles (default every style). */
  styles?: readonly EmojiStyle[];
}

const HOLDOUT_FILE = join(dirname(fileURLToPath(import.meta.url)), 'holdout.json');
/** The emoji.json whose records are the concepts: every style is mapped onto its codes and names. */
const CONCEPT_STYLE = 'twemoji' satisfies EmojiStyle;
/** The set whose chars.json names icons by CLDR short names: the dictionary for sets without chars. */
const CLDR_DICTIONARY = '@iconify-json/fluent-emoji-flat';
// Bump when the rasterization changes (size, resampling), so stale PNGs are not reused.
const RASTER_FORMAT = 'svg256-lanczos64-v1';

/** Folder of a style's package (in the data folder; a clear error when it is not installed). */
export const packageDir = (style: EmojiStyle) => dataPackageDir(STYLE_SOURCE[style].pkg);

/** Version of a style's package. */
export const styleVersion = (style: EmojiStyle) => dataPackageVersion(STYLE_SOURCE[style].pkg);

/** Folder of an SVG style's rasterized 64×64 PNGs (rasterize.ts fills it). */
export const rasterDir = (style: EmojiStyle) => join(cacheRoot(), 'emoji-raster', `${style}-${styleVersion(style)}-${RASTER_FORMAT}`);

/**
 * Absolute path of an item's 64×64 PNG: in its package for a PNG style; in the raster cache for an
 * SVG style (call rasterizeItems first: the file exists only once rasterized).
 */
export function imagePath(item: EmojiItem): string {
  const src = STYLE_SOURCE[item.style];
  return src.kind === 'png' ? join(packageDir(item.style), 'img', src.set, '64', item.file) : join(rasterDir(item.style), `${item.file}.png`);
}

const recordsCache = new Map<EmojiStyle, EmojiRecord[]>();

/** The emoji.json records a style's catalog is built from, validated (the concept list for SVG styles). */
export function emojiRecords(style: EmojiStyle): EmojiRecord[] {
  const src = STYLE_SOURCE[style];
  if (src.kind !== 'png') return emojiRecords(CONCEPT_STYLE);
  let r = recordsCache.get(style);
  if (!r) {
    const raw: unknown = JSON.parse(readFileSync(join(packageDir(style), 'emoji.json'), 'utf8'));
    r = z.array(emojiRecordSchema).parse(raw);
    recordsCache.set(style, r);
  }
  return r;
}

const readJson = (file: string): unknown => JSON.parse(readFileSync(file, 'utf8'));

/** An SVG style's Iconify icon set, validated. Not cached: Fluent's colour set is 100 MB of JSON. */
export function iconSet(style: EmojiStyle): IconSet {
  return iconSetSchema.parse(readJson(join(packageDir(style), 'icons.json')));
}

/**
 * The icon and alias names of an SVG style. Kept in the cache beside its PNGs: the names are all
 * the catalog needs, and reading Fluent's 100 MB icons.json for them takes seconds.
 */
function styleIconNames(style: EmojiStyle): IconNames {
  const file = `${rasterDir(style)}.names.json`;
  if (existsSync(file)) return iconNamesSchema.parse(readJson(file));
  const names = iconNames(iconSet(style));
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(`${file}.tmp`, JSON.stringify(names));
  renameSync(`${file}.tmp`, file);
  return names;
}

const itemsCache = new Map<EmojiStyle, EmojiItem[]>();

/** Every image of one style, held-out concepts included, in emoji.json sort order. */
export function styleItems(style: EmojiStyle): EmojiItem[] {
  let items = itemsCache.get(style);
  if (items) return items;
  const src = STYLE_SOURCE[style];
  if (src.kind === 'png') items = catalogItems(emojiRecords(style), style);
  else {
    const chars = charsSchema.parse(readJson(join(packageDir(style), 'chars.json')));
    const cldr = charsSchema.parse(readJson(join(dataPackageDir(CLDR_DICTIONARY), 'chars.json')));
    const records = emojiRecords(style);
    items = catalogItems(records, style, iconSequences(styleIconNames(style), records, { chars, cldr }));
  }
  itemsCache.set(style, items);
  return items;
}

export function readHoldout(file = HOLDOUT_FILE): Holdout {
  return holdoutSchema.parse(JSON.parse(readFileSync(file, 'utf8')));
}

/** Concepts (base unified codes) that no model of the pack may see, in any style. */
export const heldOutConcepts = (): ReadonlySet<string> => new Set(readHoldout().concepts.map((c) => c.concept));

/**
 * Items of a split in a fixed order (styles in STYLES order, each in emoji.json sort order). The
 * split is by concept, the same for every style: 'train' never contains an image of a held-out
 * concept, in any style or skin tone.
 */
export function loadEmojiDataset(opts: DatasetOptions): EmojiItem[] {
  const held = heldOutConcepts();
  const styles = opts.styles ?? STYLES;
  const all = styles.flatMap((s) => styleItems(s));
  if (opts.split === 'all') return all;
  const wantHeld = opts.split === 'holdout';
  return all.filter((it) => held.has(it.concept) === wantHeld);
}
