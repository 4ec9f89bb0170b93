// The model families' public face: what runs in browsers, Web Workers and Node alike.
// Node-only parts (the dataset on disk, pixel cache, training CLI) are in models/node.ts.

export {
  caption,
  catalogItems,
  CORE_STYLES,
  type EmojiItem,
  emojiItemSchema,
  type EmojiRecord,
  emojiRecordSchema,
  type EmojiStyle,
  sequenceKey,
  STYLE_SOURCE,
  type StyleSource,
  STYLES,
  styleSchema,
  toneName,
} from './data/catalog.ts';
export { chooseHoldout, type Holdout, HOLDOUT_COUNT, HOLDOUT_SEED, type HoldoutConcept, holdoutConceptSchema, holdoutSchema } from './data/split.ts';

export {
  BOS_ID,
  buildTokenizerConfig,
  type Encoding,
  EOS_ID,
  PAD_ID,
  SPECIAL_TOKENS,
  splitWords,
  Tokenizer,
  type TokenizerConfig,
  tokenizerConfigSchema,
  UNK_ID,
} from './text/tokenizer.ts';

export {
  type AnyComponentName,
  type ComponentEntry,
  type ComponentName,
  componentNameSchema,
  componentSchema,
  COMPONENTS,
  type DiffusionManifest,
  diffusionManifestSchema,
  FAMILIES,
  GAN_COMPONENTS,
  GAN_INVERSION_SPACES,
  type GanComponentName,
  type GanManifest,
  ganManifestSchema,
  INVERSION_SPACES,
  type InversionSpace,
  inversionSpaceSchema,
  type Manifest,
  manifestSchema,
  type PackFamily,
  type Recipe,
  recipeSchema,
} from './pack/manifest.ts';
export {
  type FetchBytes,
  httpFetchBytes,
  type LoadedPack,
  loadComponent,
  loadPack,
  type LoadPackOptions,
  PackError,
  parseManifest,
  readManifestFamily,
  readPackManifest,
  requireFamily,
  sha256Hex,
  type TensorSpec,
} from './pack/load.ts';
export { GAN_GENERATOR_KIND, ganConfigFrom, ganGeneratorArchitecture, ganLoraLayers, generatorWeightShapes } from './gan/architecture.ts';
export { type LoadedGanPack, loadGanPack, type LoadGanPackOptions } from './gan/pack.ts';
export {
  type ArAdapters,
  type ArLoraOptions,
  ArModel,
  type ArPriorOptions,
  type ArSampleOptions,
  type ArTuneCommon,
  checkArAdapter,
  type LoadedArPack,
  loadArPack,
  type LoadArPackOptions,
  readArAdapterFile,
  trainArEmbedding,
  trainArLora,
  trainArPrefix,
  writeArAdapterFile,
} from './ar/index.ts';
export { fromHalfBits, toFloat16, toFloat32, toHalfBits } from './pack/half.ts';
export { paramShapes } from './pack/spec.ts';

export {
  buildVaeDecode,
  buildVaeEncode,
  buildVaeReconstruct,
  buildVaeTraining,
  latentSide,
  VAE_CONFIG,
  VAE_KIND,
  VAE_LOSS,
  type VaeConfig,
  vaeConfigSchema,
  VaeDecoder,
  VaeEncoder,
  type VaeLossOptions,
  vaeParams,
  vaeWeightShapes,
} from './diffusion/vae.ts';

export { mean, psnrPerImage, ssimPerImage } from './eval/image-metrics.ts';
