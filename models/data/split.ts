// The held-out concepts: a personalization benchmark that no model of the pack may see. They are
// chosen once, deterministically from a seed, and then frozen in holdout.json, so the split stays
// the same even if this algorithm or the emoji packages change later.
import { z } from 'zod';
import { Rng } from '../../ml/index.ts';
import type { EmojiRecord } from './catalog.ts';

export const HOLDOUT_SEED = 4;
export const HOLDOUT_COUNT = 30;

export const holdoutConceptSchema = z.object({
  concept: z.string(),
  name: z.string(),
  shortName: z.string(),
  category: z.string(),
  subcategory: z.string(),
});
export type HoldoutConcept = z.infer<typeof holdoutConceptSchema>;

export const holdoutSchema = z.object({
  seed: z.number().int(),
  /** Why these exist and how they were drawn, for whoever opens the file. */
  note: z.string(),
  concepts: z.array(holdoutConceptSchema).min(1),
});
export type Holdout = z.infer<typeof holdoutSchema>;

/** Skin-tone swatches alone: not concepts anyone would personalize, so never held out. */
const EXCLUDED_CATEGORIES = new Set(['Component']);

/** In-place Fisher–Yates with the seeded Rng. */
function shuffle<T>(xs: T[], rng: Rng): T[] {
  for (let i = xs.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [xs[i], xs[j]] = [xs[j], xs[i]];
  }
  return xs;
}

/**
 * `count` concepts spread over categories: every category gets ⌊count/K⌋, the largest categories
 * one more each until the count is reached; inside a category, one concept per subcategory in
 * turn (subcategories in seeded order), so a category's picks are not all alike.
 */
export function chooseHoldout(records: readonly EmojiRecord[], count: number, seed: number): HoldoutConcept[] {
  const rng = new Rng(seed);
  const byCategory = new Map<string, EmojiRecord[]>();
  for (const r of [...records].sort((a, b) => a.sort_order - b.sort_order)) {
    if (EXCLUDED_CATEGORIES.has(r.category)) continue;
    byCategory.set(r.category, [...(byCategory.get(r.category) ?? []), r]);
  }
  const cats = [...byCategory.keys()].sort((a, b) => byCategory.get(b)!.length - byCategory.get(a)!.length || (a < b ? -1 : 1));
  if (count > [...byCategory.values()].reduce((s, v) => s + v.length, 0)) throw new Error(`cannot hold out ${count} concepts`);
  const quota = new Map(cats.map((c, i) => [c, Math.floor(count / cats.length) + (i < count % cats.length ? 1 : 0)]));
  const out: HoldoutConcept[] = [];
  for (const cat of [...cats].sort()) {
    const bySub = new Map<string, EmojiRecord[]>();
    for (const r of byCategory.get(cat)!) bySub.set(r.subcategory, [...(bySub.get(r.subcategory) ?? []), r]);
    const queues = shuffle([...bySub.keys()].sort(), rng).map((s) => shuffle([...bySub.get(s)!], rng));
    let want = quota.get(cat)!;
    if (want > byCategory.get(cat)!.length) throw new Error(`category ${cat} has fewer than ${want} concepts`);
    for (let k = 0; want > 0; k = (k + 1) % queues.length) {
      const r = queues[k].shift();
      if (!r) continue;
      out.push({ concept: r.unified, name: r.name.toLowerCase(), shortName: r.short_name, category: r.category, subcategory: r.subcategory });
      want--;
    }
  }
  return out;
}
