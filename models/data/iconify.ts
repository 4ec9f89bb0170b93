// Iconify icon sets as emoji styles. An Iconify JSON set names its icons by words ("thumbs-up",
// "thumbs-up-medium-dark-skin-tone" in Noto v1, "thumbs-up-medium-dark" in Fluent, "blackdiamondsuit"
// in Firefox OS) and only some sets say which code sequence each icon draws (`chars`). This module
// maps every icon to the code sequence of an emoji.json record, so each image joins the concept it
// draws. Pure: icon sets and records come in as arguments.
import { z } from 'zod';
import { type EmojiRecord, sequenceKey, toneName } from './catalog.ts';

// The slice of an Iconify JSON set we read (icons.json / chars.json of @iconify-json/*).
const iconSchema = z.looseObject({ body: z.string(), width: z.number().optional(), height: z.number().optional() });
export const iconSetSchema = z.looseObject({
  prefix: z.string(),
  icons: z.record(z.string(), iconSchema),
  aliases: z.record(z.string(), z.looseObject({ parent: z.string() })).optional(),
  width: z.number().optional(),
  height: z.number().optional(),
});
export type IconSet = z.infer<typeof iconSetSchema>;

/** The names a set has: its icons and its aliases (other names of an icon, possibly flipped). */
export const iconNamesSchema = z.object({ icons: z.array(z.string()), aliases: z.array(z.string()) });
export type IconNames = z.infer<typeof iconNamesSchema>;
export const iconNames = (set: IconSet): IconNames => ({ icons: Object.keys(set.icons).sort(), aliases: Object.keys(set.aliases ?? {}).sort() });
/** chars.json: code sequence (lower-case hex, '-'-joined) → icon name. */
export const charsSchema = z.record(z.string(), z.string());

const slug = (s: string) =>
  s
    .toLowerCase()
    .replace(/[’']/g, '')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
const compact = (s: string) => s.toLowerCase().replace(/[^a-z0-9]/g, '');

export interface NameSources {
  /** The set's own chars.json (may be empty). */
  chars: Record<string, string>;
  /** A chars.json that names icons by CLDR short names (Fluent Emoji Flat's), used as a dictionary. */
  cldr: Record<string, string>;
}

/**
 * sequenceKey → icon name for every icon of a set (`names`) that draws one of `records`' emoji (base or
 * skin-tone variant). A name is matched, in this order, through the set's own chars, the CLDR name,
 * the Unicode name and emoji.json's short names (each as a hyphenated slug), a tone variant as
 * "<base>-<tone>[-skin-tone]"; failing all of those, the same names with every separator removed
 * (Firefox OS style), where a squashed name two sequences share is left unmatched rather than guessed.
 * Icons that match nothing (logos, non-emoji glyphs) are left out.
 */
export function iconSequences(names: IconNames, records: readonly EmojiRecord[], src: NameSources): Map<string, string> {
  const known = new Set<string>();
  const byName = new Map<string, string>();
  const add = (name: string, key: string) => {
    if (name && !byName.has(name)) byName.set(name, key);
  };
  for (const [seq, name] of Object.entries(src.chars)) add(name, sequenceKey(seq));
  const cldrOf = new Map<string, string>();
  for (const [seq, name] of Object.entries(src.cldr)) {
    const key = sequenceKey(seq);
    if (!cldrOf.has(key)) cldrOf.set(key, name);
    add(name, key);
  }
  for (const r of records) {
    const key = sequenceKey(r.unified);
    known.add(key);
    const baseNames = [cldrOf.get(key), slug(r.name), ...(r.short_names ?? [r.short_name]).map(slug)].filter(
      (n): n is string => !!n,
    );
    for (const n of baseNames) add(n, key);
    for (const [toneKey, v] of Object.entries(r.skin_variations ?? {})) {
      const vkey = sequenceKey(v.unified);
      known.add(vkey);
      const tone = slug(toneName(toneKey));
      if (cldrOf.has(vkey)) add(cldrOf.get(vkey)!, vkey);
      for (const n of baseNames) for (const suffix of [`${tone}-skin-tone`, tone]) add(`${n}-${suffix}`, vkey);
    }
  }
  // Squashed names: a key shared by two sequences is ambiguous and dropped.
  const byCompact = new Map<string, string | null>();
  for (const [name, key] of byName) {
    const c = compact(name);
    const had = byCompact.get(c);
    byCompact.set(c, had === undefined || had === key ? key : null);
  }

  const out = new Map<string, string>();
  // Icons before aliases, each in name order: a sequence drawn twice takes its first real icon.
  for (const name of [...names.icons, ...names.aliases]) {
    const key = byName.get(name) ?? byCompact.get(compact(name)) ?? undefined;
    if (key && known.has(key) && !out.has(key)) out.set(key, name);
  }
  return out;
}
