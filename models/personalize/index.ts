// Personalization on a diffusion pack, browser-safe: the loaded model behind sessions, placeholder
// binding, the optimization objectives per inversion space, LoRA files, the concept encoder and the
// scores. Node-only: tiny-pack.ts (writes packs to disk, for tests and benchmarks).
export { PACK_ARCHITECTURES } from './architectures.ts';
export {
  CONCEPT_ENCODER_KIND,
  ConceptEncoder,
  conceptEncoderArchitecture,
  type ConceptEncoderConfig,
  conceptEncoderConfigFrom,
  conceptEncoderConfigSchema,
  conceptEncoderGraph,
  conceptEncoderWeightShapes,
  conceptTrainingGraph,
} from './concept-encoder.ts';
export { checkEmbeddingFits, EMBEDDING_FORMAT, readEmbeddingFile, writeEmbeddingFile } from './embedding-file.ts';
export { denoisingBatch, type DenoisingExamples } from './denoising-batch.ts';
export { latentInversionGraph, LORA_TARGETS, type LoraTarget, loraTrainingGraph, noiseInversionGraph, textualInversionGraph } from './inversion-graphs.ts';
export { invertLatent, type LatentInversionOptions } from './latent-inversion.ts';
export { checkLoraFits, LORA_FORMAT, type LoraMeta, loraMetaFor, mergeLoras, parseLoraMeta, readLoraFile, writeLoraFile } from './lora-file.ts';
export { type LoraTrainingOptions, trainLora } from './lora-training.ts';
export { generateImages, type Method, METHODS, type MethodSettings, personalize, type Personalized } from './methods.ts';
export { PackModel, pick } from './model.ts';
export { invertNoise, type NoiseInversionOptions } from './noise-inversion.ts';
export { type LoopOptions, type LoopResult, optimize } from './optimize.ts';
export { bindPlaceholders, encodeWithPlaceholders, type PlaceholderIds, slotOf, toSlots, writtenOf } from './placeholders.ts';
export { evaluatorText, metricsCsv, type ScoreInput, scoreImages } from './scores.ts';
export { textualInversion, type TextualInversionOptions } from './textual-inversion.ts';
