// Counts of the dataset per style, for the data report and for the pack's description: how many
// images and concepts each style has, and how they fall on either side of the hold-out split.
import { type EmojiItem, type EmojiStyle, STYLE_SOURCE } from './catalog.ts';

export interface StyleStats {
  style: EmojiStyle;
  package: string;
  license: string;
  images: number;
  /** Distinct concepts (base emoji) the style draws. */
  concepts: number;
  /** Images of skin-tone variants (the rest are base emoji). */
  toneVariants: number;
  heldInConcepts: number;
  heldInImages: number;
  heldOutConcepts: number;
  heldOutImages: number;
}

export function styleStats(style: EmojiStyle, items: readonly EmojiItem[], heldOut: ReadonlySet<string>): StyleStats {
  const mine = items.filter((it) => it.style === style);
  const concepts = new Set(mine.map((it) => it.concept));
  const held = mine.filter((it) => heldOut.has(it.concept));
  const heldConcepts = new Set(held.map((it) => it.concept));
  return {
    style,
    package: STYLE_SOURCE[style].pkg,
    license: STYLE_SOURCE[style].license,
    images: mine.length,
    concepts: concepts.size,
    toneVariants: mine.filter((it) => it.tone).length,
    heldInConcepts: concepts.size - heldConcepts.size,
    heldInImages: mine.length - held.length,
    heldOutConcepts: heldConcepts.size,
    heldOutImages: held.length,
  };
}

/** Every style's row and their totals (concepts counted once over all styles). */
export function datasetStats(styles: readonly EmojiStyle[], items: readonly EmojiItem[], heldOut: ReadonlySet<string>) {
  const rows = styles.map((s) => styleStats(s, items, heldOut));
  const concepts = new Set(items.map((it) => it.concept));
  const heldConcepts = [...concepts].filter((c) => heldOut.has(c)).length;
  const heldImages = items.filter((it) => heldOut.has(it.concept)).length;
  const total = {
    images: items.length,
    concepts: concepts.size,
    heldInConcepts: concepts.size - heldConcepts,
    heldInImages: items.length - heldImages,
    heldOutConcepts: heldConcepts,
    heldOutImages: heldImages,
  };
  return { rows, total };
}

/** The stats as an aligned text table. */
export function formatStats(stats: ReturnType<typeof datasetStats>): string {
  const head = ['style', 'images', 'concepts', 'tone variants', 'held-in concepts', 'held-in images', 'held-out concepts', 'held-out images', 'package', 'licence'];
  const body = stats.rows.map((r) => [r.style, r.images, r.concepts, r.toneVariants, r.heldInConcepts, r.heldInImages, r.heldOutConcepts, r.heldOutImages, r.package, r.license]);
  const t = stats.total;
  body.push(['all', t.images, t.concepts, '', t.heldInConcepts, t.heldInImages, t.heldOutConcepts, t.heldOutImages, '', '']);
  const cells = [head, ...body].map((row) => row.map(String));
  const width = head.map((_, i) => Math.max(...cells.map((r) => r[i].length)));
  return cells.map((r) => r.map((c, i) => (i === 0 || i >= 8 ? c.padEnd(width[i]) : c.padStart(width[i]))).join('  ').trimEnd()).join('\n');
}
