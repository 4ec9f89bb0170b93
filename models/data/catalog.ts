// The emoji catalog as data: every image of both sets (base emoji and their skin-tone variants),
// each with its concept, caption and category. Pure: the emoji.json records come in as arguments,
// so the browser and tests can build the same catalog the Node loader builds from the packages.
import { z } from 'zod';

/**
 * The image sets, named as captions name them ("…, fluent-flat style"): one word each, so the
 * word-level tokenizer gives every style a token of its own. Every set draws the same concepts.
 */
export const STYLES = ['twemoji', 'noto', 'fluent', 'fluent-flat', 'firefox', 'noto-v1'] as const;
export const styleSchema = z.enum(STYLES);
export type EmojiStyle = z.infer<typeof styleSchema>;

/** The two sets that draw every concept (emoji-datasource PNGs); the others cover part of it. */
export const CORE_STYLES = ['twemoji', 'noto'] as const satisfies readonly EmojiStyle[];

interface StyleCredit {
  /** The set's own name, as its authors call it. */
  title: string;
  author: string;
  /** SPDX id of the images' licence, as the set's own licence files state it. */
  license: string;
  url: string;
  /** The npm package the images come from. */
  pkg: string;
}

/**
 * Where each style comes from. 'png': emoji-datasource's 64×64 PNGs in img/<set>/64/. 'iconify':
 * an Iconify JSON icon set of SVGs, rasterized once to 64×64 PNGs (rasterize.ts).
 */
export type StyleSource = StyleCredit & ({ kind: 'png'; set: string } | { kind: 'iconify' });

export const STYLE_SOURCE: Record<EmojiStyle, StyleSource> = {
  twemoji: {
    kind: 'png', set: 'twitter', pkg: 'emoji-datasource-twitter', title: 'Twemoji',
    author: 'Twitter, Inc. and other contributors', license: 'CC-BY-4.0', url: 'https://github.com/twitter/twemoji',
  },
  noto: {
    kind: 'png', set: 'google', pkg: 'emoji-datasource-google', title: 'Noto Emoji',
    author: 'Google', license: 'Apache-2.0', url: 'https://github.com/googlefonts/noto-emoji',
  },
  fluent: {
    kind: 'iconify', pkg: '@iconify-json/fluent-emoji', title: 'Fluent Emoji (colour)',
    author: 'Microsoft Corporation', license: 'MIT', url: 'https://github.com/microsoft/fluentui-emoji',
  },
  'fluent-flat': {
    kind: 'iconify', pkg: '@iconify-json/fluent-emoji-flat', title: 'Fluent Emoji Flat',
    author: 'Microsoft Corporation', license: 'MIT', url: 'https://github.com/microsoft/fluentui-emoji',
  },
  // The npm package labels the set Apache-2.0, the licence of the project's code; the project's
  // LICENSE.md (which the package's info.json links) puts the visual design under CC BY 4.0.
  firefox: {
    kind: 'iconify', pkg: '@iconify-json/fxemoji', title: 'Firefox OS Emoji',
    author: 'Mozilla Foundation', license: 'CC-BY-4.0', url: 'https://github.com/mozilla/fxemoji',
  },
  'noto-v1': {
    kind: 'iconify', pkg: '@iconify-json/noto-v1', title: 'Noto Emoji (v1)',
    author: 'Google', license: 'Apache-2.0', url: 'https://github.com/googlefonts/noto-emoji',
  },
};

/** A code sequence as sets compare them: upper case, without the emoji presentation selector FE0F. */
export const sequenceKey = (unified: string) =>
  unified
    .toUpperCase()
    .split('-')
    .filter((c) => c !== 'FE0F')
    .join('-');

// The slice of emoji.json we read; unknown fields are ignored (passthrough is not needed).
const variationSchema = z.object({ unified: z.string(), image: z.string() });
export const emojiRecordSchema = z.object({
  name: z.string().min(1),
  unified: z.string().min(1),
  image: z.string(),
  short_name: z.string(),
  short_names: z.array(z.string()).optional(),
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
  /** PNG file name inside img/<set>/64/ for a 'png' style; the icon's name for an 'iconify' style. */
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

/**
 * Every image of one style: each base emoji, then its variants in emoji.json's order. `available`
 * (sequenceKey → file) limits a style that draws only some of them; without it, every record's
 * own image file is used (the emoji-datasource sets draw them all).
 */
export function catalogItems(records: readonly EmojiRecord[], style: EmojiStyle, available?: ReadonlyMap<string, string>): EmojiItem[] {
  const out: EmojiItem[] = [];
  const file = (unified: string, own: string) => (available ? available.get(sequenceKey(unified)) : own);
  const sorted = [...records].sort((a, b) => a.sort_order - b.sort_order);
  for (const r of sorted) {
    const name = r.name.toLowerCase();
    const base = { concept: r.unified, style, name, category: r.category, subcategory: r.subcategory };
    const f = file(r.unified, r.image);
    if (f !== undefined) out.push({ ...base, id: `${style}:${r.unified}`, tone: '', caption: caption(name, '', style), file: f });
    for (const [key, v] of Object.entries(r.skin_variations ?? {})) {
      const vf = file(v.unified, v.image);
      if (vf === undefined) continue;
      const tone = toneName(key);
      out.push({ ...base, id: `${style}:${v.unified}`, tone, caption: caption(name, tone, style), file: vf });
    }
  }
  return out;
}
