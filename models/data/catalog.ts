// The emoji catalog as data: every image of both sets (base emoji and their skin-tone variants),
// each with its concept, caption and category. Pure: the emoji.json records come in as arguments,
// so the browser and tests can build the same catalog the Node loader builds from the packages.
import { z } from 'zod';

/** The two image sets, named as captions name them. */
export const STYLES = ['twemoji', 'noto'] as const;
export const styleSchema = z.enum(STYLES);
export type EmojiStyle = z.infer<typeof styleSchema>;

/** Which npm package and image folder hold each style. */
export const STYLE_SOURCE: Record<EmojiStyle, { pkg: string; set: string }> = {
  twemoji: { pkg: 'emoji-datasource-twitter', set: 'twitter' },
  noto: { pkg: 'emoji-datasource-google', set: 'google' },
};

// The slice of emoji.json we read; unknown fields are ignored (passthrough is not needed).
const variationSchema = z.object({ unified: z.string(), image: z.string() });
export const emojiRecordSchema = z.object({
  name: z.string().min(1),
  unified: z.string().min(1),
  image: z.string(),
  short_name: z.string(),
  category: z.string(),
  subcategory: z.string(),
  sort_order: z.number(),
  skin_variations: z.record(z.string(), variationSchema).optional(),
});
export type EmojiRecord = z.infer<typeof emojiRecordSchema>;

export const emojiItemSchema = z.object({
  /** `<style>:<unified>`, unique over the whole catalog, e.g. 'noto:1F44D-1F3FD'. */
  id: z.string(),
  /** The base emoji's unified code: every variant and both styles share it. */
  concept: z.string(),
  style: styleSchema,
  /** Lowercased Unicode name of the base emoji, e.g. 'thumbs up sign'. */
  name: z.string(),
  /** Skin tones of a variant ('medium', 'light and dark'); '' for a base emoji. */
  tone: z.string(),
  caption: z.string(),
  category: z.string(),
  subcategory: z.string(),
  /** PNG file name inside the style's img/<set>/64/ folder. */
  file: z.string(),
});
export type EmojiItem = z.infer<typeof emojiItemSchema>;

// Unicode's CLDR names of the five Fitzpatrick modifiers.
const TONES: Record<string, string> = {
  '1F3FB': 'light',
  '1F3FC': 'medium-light',
  '1F3FD': 'medium',
  '1F3FE': 'medium-dark',
  '1F3FF': 'dark',
};

/** 'medium' for '1F3FD'; 'light and dark' for '1F3FB-1F3FF'; the same tone twice is said once. */
export function toneName(key: string): string {
  const parts = key.split('-').map((k) => {
    const t = TONES[k];
    if (!t) throw new Error(`unknown skin-tone modifier ${k} in variation "${key}"`);
    return t;
  });
  return [...new Set(parts)].join(' and ');
}

/**
 * "thumbs up sign, medium skin tone, noto style". Two tones read "…, light and dark skin tones, …",
 * as CLDR phrases multi-person variants.
 */
export function caption(name: string, tone: string, style: EmojiStyle): string {
  const toneText = tone ? `, ${tone} skin ${tone.includes(' and ') ? 'tones' : 'tone'}` : '';
  return `${name}${toneText}, ${style} style`;
}

/** Every image of one style: each base emoji, then its variants in emoji.json's order. */
export function catalogItems(records: readonly EmojiRecord[], style: EmojiStyle): EmojiItem[] {
  const out: EmojiItem[] = [];
  const sorted = [...records].sort((a, b) => a.sort_order - b.sort_order);
  for (const r of sorted) {
    const name = r.name.toLowerCase();
    const base = { concept: r.unified, style, name, category: r.category, subcategory: r.subcategory };
    out.push({ ...base, id: `${style}:${r.unified}`, tone: '', caption: caption(name, '', style), file: r.image });
    for (const [key, v] of Object.entries(r.skin_variations ?? {})) {
      const tone = toneName(key);
      out.push({ ...base, id: `${style}:${v.unified}`, tone, caption: caption(name, tone, style), file: v.image });
    }
  }
  return out;
}
