// The evaluator's public face (browser-safe): a small CLIP used only to measure generators.
// Training lives in models/train/evaluator.train.ts, its evaluation in models/eval/evaluator.eval.ts.

export { CLIP_KIND, clipArchitecture, clipWeightShapes, configFromArchitecture } from './architecture.ts';
export { buildImageEmbedGraph, buildTextEmbedGraph, buildTrainingGraph, clipLoss, IO, l2normalize, LOGIT_SCALE, type BuiltGraph } from './clip.ts';
export { type ClipConfig, clipConfig, type ClipConfigInput, ClipConfigSchema } from './config.ts';
export { ClipEmbedder, type Embedded, type EmbedderOptions } from './embed.ts';
export { evaluateRetrieval, type Embeds, type RetrievalInputs } from './evaluate.ts';
export {
  clipI,
  clipT,
  cosine,
  cosineMatrix,
  frechetDistance,
  frechetFromStats,
  type Gaussian,
  gaussianStats,
  pairedCosine,
  type Rows,
  rows,
  topKAccuracy,
} from './metrics.ts';
export { RETRIEVAL_CONCEPTS, RETRIEVAL_SEED, type RetrievalItem, retrievalSet } from './retrieval-set.ts';
export { featureFrechet, type ImageEmbeds, textToImageScores, type TextToImageScores } from './text-to-image.ts';
