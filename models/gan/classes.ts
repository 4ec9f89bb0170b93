// Choosing a sub-category of a conditioned generator with the evaluator: for a prompt (its text
// embedding against each class name read as a phrase, 'animal-mammal' → "animal mammal"), and for
// images (their image embedding against the image of each class's mean w), which is where Z
// inversion starts when no class is given.
import { f32, type Tensor } from '../../ml/index.ts';
import type { GanModel } from './model.ts';

/** A class name as the text tower reads it: separators become spaces. */
export const classPhrase = (name: string) => name.replace(/[-_/]+/g, ' ').replace(/\s+/g, ' ').trim();

/** Row-wise argmax of the cosine between a [n, d] and b [m, d] (both normalized): index and score per row of a. */
function bestMatches(a: Float32Array, n: number, b: Float32Array, m: number, d: number): { index: number; score: number }[] {
  return Array.from({ length: n }, (_, i) => {
    let index = 0;
    let score = -Infinity;
    for (let j = 0; j < m; j++) {
      let s = 0;
      for (let k = 0; k < d; k++) s += a[i * d + k] * b[j * d + k];
      if (s > score) [index, score] = [j, s];
    }
    return { index, score };
  });
}

const phraseEmbeddings = new WeakMap<GanModel, Promise<Float32Array>>();

/** The sub-category whose name best matches a prompt by the evaluator's text tower ("a cat" → 'cat-face'). */
export async function classForPrompt(model: GanModel, text: string): Promise<{ index: number; name: string; score: number }> {
  if (!model.config.classes) throw new Error(`GAN "${model.name}" has no sub-categories to choose from`);
  let names = phraseEmbeddings.get(model);
  if (!names) {
    names = model.embedTexts(model.classes.map(classPhrase)).then((t) => t.data as Float32Array);
    phraseEmbeddings.set(model, names);
  }
  // One after the other: a backend may run one session at a time (onnxruntime-web's wasm).
  const phrases = await names;
  const prompt = await model.embedTexts([text]);
  const d = prompt.shape[1];
  const [best] = bestMatches(prompt.data as Float32Array, 1, phrases, model.classes.length, d);
  return { ...best, name: model.classes[best.index] };
}

/**
 * For each image ([n, 3, R, R] in [0, 1]) the class whose typical image is nearest by the
 * evaluator's image embedding; a class's typical image is the one of the mean of `perClass`
 * seeded mapped w of that class. Null for an unconditioned generator.
 */
export async function nearestClasses(model: GanModel, images: Tensor, o: { seed?: number; perClass?: number } = {}): Promise<number[] | undefined> {
  const c = model.config;
  if (!c.classes) return undefined;
  const per = o.perClass ?? 4;
  const K = c.classes;
  const all = await model.sample({ n: K * per, seed: o.seed ?? 0, classes: Array.from({ length: K * per }, (_, i) => Math.floor(i / per)) });
  const w = all.data as Float32Array;
  const D = c.wDim;
  const means = new Float32Array(K * D);
  for (let k = 0; k < K; k++) for (let r = 0; r < per; r++) for (let j = 0; j < D; j++) means[k * D + j] += w[(k * per + r) * D + j] / per;
  const typical = await model.embedImages(await model.synthesize('w', f32([K, D], means)));
  const targets = await model.embedImages(images);
  const d = targets.shape[1];
  return bestMatches(targets.data as Float32Array, images.shape[0], typical.data as Float32Array, K, d).map((m) => m.index);
}
