// The evaluator's own quality figures, measured on the fixed retrieval set (retrieval-set.ts):
// for each style, image→caption top-1/top-5 among the set's captions in that style and the mean
// image↔own-caption cosine (CLIP-T of real images); across styles, the mean cosine between the
// two styles' images of one concept (CLIP-I as a sanity figure: same concept, different artist).
import type { Embedded } from './embed.ts';
import { clipT, cosineMatrix, pairedCosine, type Rows, topKAccuracy } from './metrics.ts';
import type { RetrievalItem, RetrievalSets } from './retrieval-set.ts';

/** What evaluating needs of a trained evaluator (ClipEmbedder fits it). */
export interface Embeds {
  embedImages(images: Float32Array, n: number): Promise<{ embedding: Embedded }>;
  embedTexts(ids: readonly (readonly number[])[]): Promise<Embedded>;
}

export interface RetrievalInputs<T extends RetrievalItem> {
  byStyle: Record<string, T[]>;
  /** Pixels of items as [n, 3, S, S] in [−1, 1]. */
  pixels: (items: readonly T[]) => Float32Array;
  /** Token ids of a caption, maxLength long. */
  encode: (caption: string) => number[];
}

/** Metric name → value; names carry the style, e.g. imageToCaptionTop5_noto. Cosines are raw, in [−1, 1]. */
export async function evaluateRetrieval<T extends RetrievalItem>(model: Embeds, inputs: RetrievalInputs<T>): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  const images: Record<string, Embedded> = {};
  for (const [style, items] of Object.entries(inputs.byStyle)) {
    const img = (await model.embedImages(inputs.pixels(items), items.length)).embedding;
    const txt = await model.embedTexts(items.map((it) => inputs.encode(it.caption)));
    const targets = items.map((_, k) => k);
    out[`imageToCaptionTop1_${style}`] = topKAccuracy(img, txt, targets, 1);
    out[`imageToCaptionTop5_${style}`] = topKAccuracy(img, txt, targets, 5);
    out[`captionToImageTop5_${style}`] = topKAccuracy(txt, img, targets, 5);
    out[`clipTReal_${style}`] = clipT(img, txt);
    images[style] = img;
  }
  const styles = Object.keys(images);
  for (let i = 0; i < styles.length; i++)
    for (let j = i + 1; j < styles.length; j++) out[`clipIStyles_${styles[i]}_${styles[j]}`] = pairedCosine(images[styles[i]], images[styles[j]]);
  return out;
}

/**
 * evaluateRetrieval on the core set, then on each other style alone: their concept lists differ, so
 * there are no cross-style pairs among them.
 */
export async function evaluateRetrievalSets<T extends RetrievalItem>(model: Embeds, sets: RetrievalSets<T>, inputs: Omit<RetrievalInputs<T>, 'byStyle'>): Promise<Record<string, number>> {
  const out = await evaluateRetrieval(model, { byStyle: sets.core.byStyle, ...inputs });
  for (const [style, items] of Object.entries(sets.other)) Object.assign(out, await evaluateRetrieval(model, { byStyle: { [style]: items }, ...inputs }));
  return out;
}

/**
 * Row i of a and row i of b show one concept (e.g. its two styles): the mean cosine of those
 * matched pairs beside the mean over mismatched pairs (i ≠ j). The gap is what CLIP-I can resolve;
 * on concepts the evaluator never saw it says how far its features generalize.
 */
export function matchedVersusOther(a: Rows, b: Rows): { matched: number; other: number } {
  if (a.rows !== b.rows || a.rows < 2) throw new Error(`matchedVersusOther: needs two sets of the same ≥ 2 rows, got ${a.rows} and ${b.rows}`);
  const m = cosineMatrix(a, b);
  const n = a.rows;
  let other = 0;
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) if (i !== j) other += m[i * n + j];
  return { matched: pairedCosine(a, b), other: other / (n * (n - 1)) };
}
