// The fixed set the evaluator (and the text-to-image evaluation) is measured on: 200 held-in
// concepts, drawn once from a seed among those with a base image in both styles, with that base
// image and its caption in each style. Deterministic, so every run and every model is scored on the
// same concepts.
import { Rng } from '../../ml/index.ts';

export const RETRIEVAL_CONCEPTS = 200;
export const RETRIEVAL_SEED = 2024;

export interface RetrievalItem {
  concept: string;
  style: string;
  tone: string;
  caption: string;
}

/** Per style, the chosen items in the same concept order: result[style][k] is concept k. */
export function retrievalSet<T extends RetrievalItem>(
  items: readonly T[],
  styles: readonly string[],
  count = RETRIEVAL_CONCEPTS,
  seed = RETRIEVAL_SEED,
): { concepts: string[]; byStyle: Record<string, T[]> } {
  const base = new Map<string, Map<string, T>>();
  for (const it of items) {
    if (it.tone) continue;
    let m = base.get(it.concept);
    if (!m) base.set(it.concept, (m = new Map()));
    m.set(it.style, it);
  }
  const eligible = [...base.keys()].filter((c) => styles.every((s) => base.get(c)!.has(s))).sort();
  if (eligible.length < count) throw new Error(`retrievalSet: only ${eligible.length} concepts have a base image in every style, ${count} wanted`);
  const rng = new Rng(seed);
  for (let i = eligible.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [eligible[i], eligible[j]] = [eligible[j], eligible[i]];
  }
  const concepts = eligible.slice(0, count).sort();
  const byStyle = Object.fromEntries(styles.map((s) => [s, concepts.map((c) => base.get(c)!.get(s)!)]));
  return { concepts, byStyle };
}

export interface RetrievalSets<T> {
  /** The fixed set: `count` concepts with a base image in every core style, per core style. */
  core: { concepts: string[]; byStyle: Record<string, T[]> };
  /** Per other style present in the items: the core set's concepts it draws, their base images. */
  other: Record<string, T[]>;
}

/**
 * The fixed set over the core styles, and per other style the same concepts as far as that style
 * draws them. The other styles cover fewer concepts (Firefox's 650 of 1,911), so each is scored among
 * its own captions only, and its top-k is easier the fewer concepts it has.
 */
export function retrievalSets<T extends RetrievalItem>(items: readonly T[], coreStyles: readonly string[], otherStyles: readonly string[], count = RETRIEVAL_CONCEPTS): RetrievalSets<T> {
  const core = retrievalSet(items, coreStyles, count);
  const base = new Map(items.filter((it) => !it.tone).map((it) => [`${it.style}\n${it.concept}`, it]));
  const present = new Set(items.map((it) => it.style));
  const other: Record<string, T[]> = {};
  for (const style of otherStyles.filter((s) => present.has(s) && !coreStyles.includes(s))) {
    const chosen = core.concepts.flatMap((c) => base.get(`${style}\n${c}`) ?? []);
    // Retrieval among fewer than 5 captions says nothing about top-5.
    if (chosen.length >= 5) other[style] = chosen;
  }
  return { core, other };
}
