// Scoring a text-to-image generator with the evaluator, as the pack's quality bar asks:
//   - for N captions, CLIP-T (image ↔ own caption cosine) and image→caption top-k retrieval among
//     those N captions, for the generated images beside the same numbers for the real images
//     (the target is generated ≥ 0.5× real);
//   - the Fréchet distance between evaluator features of generated and of real images.
// Pure over an embedder, so Node scripts and the browser share it.
import type { Embedded } from './embed.ts';
import { clipT, frechetDistance, topKAccuracy } from './metrics.ts';

export interface ImageEmbeds {
  embedImages(images: Float32Array, n: number): Promise<{ embedding: Embedded; features: Embedded }>;
  embedTexts(ids: readonly (readonly number[])[]): Promise<Embedded>;
}

export interface TextToImageScores {
  clipTGenerated: number;
  clipTReal: number;
  topKGenerated: number;
  topKReal: number;
  /** generated ÷ real, the figures the 0.5× target is about. */
  clipTRatio: number;
  topKRatio: number;
}

/** generated[i] and real[i] are images of captionIds[i]; both [n, 3, S, S] in [−1, 1]. */
export async function textToImageScores(
  model: ImageEmbeds,
  captionIds: readonly (readonly number[])[],
  generated: Float32Array,
  real: Float32Array,
  k = 5,
): Promise<TextToImageScores> {
  const n = captionIds.length;
  const txt = await model.embedTexts(captionIds);
  const gen = (await model.embedImages(generated, n)).embedding;
  const ref = (await model.embedImages(real, n)).embedding;
  const targets = Array.from({ length: n }, (_, i) => i);
  const clipTGenerated = clipT(gen, txt);
  const clipTReal = clipT(ref, txt);
  const topKGenerated = topKAccuracy(gen, txt, targets, k);
  const topKReal = topKAccuracy(ref, txt, targets, k);
  return { clipTGenerated, clipTReal, topKGenerated, topKReal, clipTRatio: clipTGenerated / clipTReal, topKRatio: topKGenerated / topKReal };
}

/** Fréchet distance between the evaluator's pooled features of two image sets (n ≥ 2 each; use ~1,000). */
export async function featureFrechet(model: ImageEmbeds, a: Float32Array, na: number, b: Float32Array, nb: number): Promise<number> {
  const fa = (await model.embedImages(a, na)).features;
  const fb = (await model.embedImages(b, nb)).features;
  return frechetDistance(fa, fb);
}
