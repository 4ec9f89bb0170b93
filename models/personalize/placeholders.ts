// Placeholder tokens in prompts. People write `S*` (or `S2*`, `S3*` … for several concepts); the
// tokenizer knows them as the pack's reserved slots <s1>, <s2> …, rows of the token table that no
// caption ever used. A learned embedding is BOUND to a slot: its vector replaces that row when the
// prompt is embedded, which is all Textual Inversion and a concept encoder change in the model.
import type { Tokenizer } from '../text/tokenizer.ts';

const WRITTEN = /(^|[^\p{L}\p{N}])S(\d*)\*/gu;

/** `S*` → `<s1>`, `S3*` → `<s3>`; text without placeholders is returned as it is. */
export function toSlots(text: string): string {
  return text.replace(WRITTEN, (_m, pre: string, n: string) => `${pre}<s${n || 1}>`);
}

/** The slot a written placeholder stands for ('S*' → '<s1>'); slots pass through. */
export function slotOf(token: string): string {
  const m = /^S(\d*)\*$/.exec(token.trim());
  if (m) return `<s${m[1] || 1}>`;
  if (/^<s\d+>$/.test(token.trim())) return token.trim();
  throw new Error(`"${token}" is not a placeholder; write S*, S2*, … (or <s1>, <s2>, …)`);
}

/** How a slot is written for people ('<s1>' → 'S*', '<s2>' → 'S2*'). */
export const writtenOf = (slot: string) => {
  const n = /^<s(\d+)>$/.exec(slot)?.[1];
  return n === '1' ? 'S*' : `S${n}*`;
};

export interface PlaceholderIds {
  /** Token ids of the prompt (slots included), padded to the tokenizer's length. */
  ids: number[];
  /** Slot token → positions in ids. */
  positions: Map<string, number[]>;
}

/** Encodes a prompt and finds where each placeholder slot sits; a slot the pack lacks is an error. */
export function encodeWithPlaceholders(tokenizer: Tokenizer, text: string): PlaceholderIds {
  const enc = tokenizer.encode(toSlots(text));
  const slots = new Map(tokenizer.config.placeholders.map((p) => [tokenizer.id(p), p]));
  const positions = new Map<string, number[]>();
  enc.ids.forEach((id, i) => {
    const slot = slots.get(id);
    if (slot) positions.set(slot, [...(positions.get(slot) ?? []), i]);
  });
  for (const m of toSlots(text).matchAll(/<s\d+>/g))
    if (!tokenizer.config.placeholders.includes(m[0])) throw new Error(`this model has placeholder slots S* … S${tokenizer.config.placeholders.length}*, not ${writtenOf(m[0])}`);
  return { ids: enc.ids, positions };
}

/**
 * Token embeddings [L, D] of a prompt with every bound slot's row replaced by its vector. A slot
 * that is used but not bound is an error that says how to bind it (an unbound slot would silently
 * mean "an untrained random word").
 */
export function bindPlaceholders(
  tokenEmbeds: Float32Array,
  dim: number,
  at: PlaceholderIds,
  bindings: Record<string, ArrayLike<number>>,
  opts: { allowUnbound?: readonly string[] } = {},
): Float32Array {
  const out = tokenEmbeds.slice();
  for (const [slot, pos] of at.positions) {
    const v = bindings[slot];
    if (!v) {
      if (opts.allowUnbound?.includes(slot)) continue;
      throw new Error(
        `the prompt uses ${writtenOf(slot)} but no embedding is bound to it: wire an Encoder Inversion (concept) or a Latent Optimizer (text embedding) into the Text Prompt`,
      );
    }
    if (v.length !== dim) throw new Error(`the embedding bound to ${writtenOf(slot)} has ${v.length} values; this model's words have ${dim}`);
    for (const p of pos) out.set(v, p * dim);
  }
  return out;
}
