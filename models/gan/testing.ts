// Test support for the GAN operations (imported only by *.test.ts): a 16×16 generator with three
// sub-categories and random weights, a tiny evaluator with both towers, and a tokenizer that knows
// the class names, all on a one-thread onnxruntime-node backend.
import { backend } from '../../ml/nn/testing.ts';
import { buildTrainingGraph, clipConfig } from '../evaluator/index.ts';
import { buildTokenizerConfig, Tokenizer } from '../text/tokenizer.ts';
import { ganConfigSchema } from './config.ts';
import { generatorGraph, W_AVG } from './graphs.ts';
import { GanModel } from './model.ts';

export const tinyGan = ganConfigSchema.parse({ resolution: 16, zDim: 8, wDim: 8, mappingLayers: 2, classes: 3, channels: [8, 6, 4], dChannels: [4, 6, 8], mbstdGroup: 2 });
export const tinyClasses = ['animal-mammal', 'face-smiling', 'food-fruit'];
export const tinyTokenizer = new Tokenizer(buildTokenizerConfig(['animal mammal', 'face smiling', 'food fruit', 'a cat', 'a happy dog'], { maxLength: 4, placeholders: 0 }));
export const tinyEvaluator = clipConfig({ imageSize: 16, channels: [4, 8], blocks: [0, 1], groups: 2, embedDim: 8, vocabSize: tinyTokenizer.vocabSize, maxLength: 4, padId: 0, textDim: 8, textLayers: 1, textHeads: 2 });

/**
 * The tiny GAN with seeded random weights; w_avg is the mean of 256 mapped w, as training tracks it.
 * Deterministic: the same seed gives the same model.
 */
export async function tinyModel(seed = 1, name = 'tiny-gan'): Promise<GanModel> {
  const generator = generatorGraph(tinyGan, 1, { space: 'z', seed }).p.initial();
  // Training moves the noise strengths off zero; a fresh generator ignores its noise.
  // A fresh toRGB makes values of a few units; scaled, the images lie mostly in [−1, 1] as a
  // trained generator's do.
  for (const [k, t] of Object.entries(generator)) {
    if (k.endsWith('.noise_strength')) (t.data as Float32Array).fill(0.2);
    if (k.endsWith('torgb.conv.weight')) (t.data as Float32Array).forEach((v, i, d) => (d[i] = v * 0.2));
  }
  generator[W_AVG] = { dtype: 'float32', shape: [tinyGan.wDim], data: new Float32Array(tinyGan.wDim) };
  const evaluator = { config: tinyEvaluator, weights: buildTrainingGraph(tinyEvaluator, 2, seed + 100).params.initial() };
  const model = GanModel.create({ name, config: tinyGan, classes: tinyClasses, generator, evaluator, backend, threads: 1, tokenizer: tinyTokenizer });
  const w = (await model.sample({ n: 256, seed: 999 })).data as Float32Array;
  const avg = generator[W_AVG].data as Float32Array;
  for (let i = 0; i < w.length; i++) avg[i % tinyGan.wDim] += w[i] / 256;
  return model;
}

/** Peak signal-to-noise ratio of images in [0, 1]. */
export function psnr(a: Float32Array, b: Float32Array): number {
  let se = 0;
  for (let i = 0; i < a.length; i++) se += (a[i] - b[i]) ** 2;
  return 10 * Math.log10(1 / Math.max(se / a.length, 1e-12));
}
