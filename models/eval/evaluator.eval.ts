// The evaluator's own quality, measured on the weights as shipped (float16 in the pack, widened):
// on the fixed 200-concept retrieval set (models/evaluator/retrieval-set.ts), per style,
// image→caption top-1/top-5 among the set's 200 captions, caption→image top-5 and CLIP-T of the
// real images; across styles, the mean cosine between a concept's two images (CLIP-I sanity figure);
// for each further style, the same figures on the set's concepts it draws, among its own captions.
// On the 30 held-out concepts, which the evaluator never saw, the same cross-style cosine beside
// the cosine between different concepts: how far its features generalize. `--quick` changes
// nothing here: the whole measurement takes seconds. --evaluator DIR measures the evaluator of the
// pack in DIR instead.
import { CORE_STYLES, STYLES } from '../data/catalog.ts';
import { loadEmojiDataset } from '../data/emoji.ts';
import { loadPixels, pixelBatch } from '../data/pixels.ts';
import { evaluateRetrievalSets, matchedVersusOther } from '../evaluator/evaluate.ts';
import { retrievalSet, retrievalSets } from '../evaluator/retrieval-set.ts';
import { recordMetrics } from '../pack/write.ts';
import { loadJudge } from './judge.ts';
import type { EvalFn } from './options.ts';

export const evaluate: EvalFn = async (opts) => {
  const dir = opts.evaluatorDir ?? opts.packDir;
  const sets = retrievalSets(loadEmojiDataset({ split: 'train' }), CORE_STYLES, STYLES);
  const set = sets.core;
  // Every held-out concept with a base image in both styles, in a fixed order.
  const heldItems = loadEmojiDataset({ split: 'holdout' });
  const held = retrievalSet(heldItems, CORE_STYLES, new Set(heldItems.filter((it) => !it.tone).map((it) => it.concept)).size);
  const chosen = [...Object.values(set.byStyle).flat(), ...Object.values(sets.other).flat(), ...Object.values(held.byStyle).flat()];
  const store = await loadPixels(chosen);
  const index = new Map(chosen.map((it, i) => [it.id, i]));
  const pixels = (its: readonly { id: string }[]) => pixelBatch(store, its.map((it) => index.get(it.id)!)).data as Float32Array;
  const { clip: embedder, tokenizer } = await loadJudge(dir, { threads: opts.threads });
  let metrics: Record<string, number>;
  try {
    const retrieval = await evaluateRetrievalSets(embedder, sets, { pixels, encode: (c) => tokenizer.encode(c).ids });
    const embed = async (style: string) => (await embedder.embedImages(pixels(held.byStyle[style]), held.concepts.length)).embedding;
    const h = matchedVersusOther(await embed(CORE_STYLES[0]), await embed(CORE_STYLES[1]));
    metrics = { ...retrieval, heldOutClipIStylesMatched: h.matched, heldOutClipIStylesOther: h.other };
  } finally {
    await embedder.release();
  }
  if (opts.record) recordMetrics(dir, 'evaluator', metrics);
  const n = set.concepts.length;
  const notes: Record<string, string> = {};
  for (const s of CORE_STYLES) {
    notes[`imageToCaptionTop5_${s}`] = `image → its caption in the top 5 of ${n} ${s} captions (target ≥ 0.70)`;
    notes[`clipTReal_${s}`] = 'mean cosine, real image ↔ own caption (raw, not ×100)';
  }
  for (const [s, its] of Object.entries(sets.other)) notes[`imageToCaptionTop5_${s}`] = `the same among the ${its.length} ${s} captions of the set's concepts that style draws`;
  notes[`clipIStyles_${CORE_STYLES[0]}_${CORE_STYLES[1]}`] = 'mean cosine between the two styles of one held-in concept';
  notes.heldOutClipIStylesMatched = `same, over the ${held.concepts.length} never-seen held-out concepts`;
  notes.heldOutClipIStylesOther = 'held-out: mean cosine between different concepts (the floor)';
  return { component: 'evaluator', metrics, notes };
};
