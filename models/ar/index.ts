// The AR family's public face (browser-safe): the loaded model behind sessions, its pack loader,
// adapter files and the sampler. Node-only: models/train/tiny-ar-pack.ts (writes a pack to disk).
export {
  AR_ADAPTER_FORMAT,
  AR_FAMILY,
  type ArAdapterKind,
  type ArAdapterMeta,
  arAdapterMeta,
  type ArModelIdentity,
  checkArAdapter,
  checkArAdapterFor,
  parseArAdapterMeta,
  readArAdapterFile,
  writeArAdapterFile,
} from './adapter-file.ts';
export { AR_TOKENIZER_KIND, AR_TRANSFORMER_KIND, arLoraLayers } from './architecture.ts';
export { type ArTokenizerConfig, codebookSize, tokenGrid } from './config.ts';
export { trainArEmbedding } from './embedding.ts';
export { AR_LORA_MATCH, type ArModelConfig, arModelConfigSchema } from './graphs.ts';
export { type ArLoraOptions, type ArPriorOptions, trainArLora } from './lora-tuning.ts';
export { type ArAdapters, ArModel, type ArSampleOptions } from './model.ts';
export { type LoadArPackOptions, type LoadedArPack, loadArPack } from './pack.ts';
export { initialPrefix, trainArPrefix } from './prefix-tuning.ts';
export { checkPrefixTokens, prefixKeyName, prefixNames, prefixTokenCount, prefixValueName } from './prefix.ts';
export { ArSampler, type Captions, type SampleOptions, type SampleResult } from './sample.ts';
export { type ArTuneCommon, type ArTuneRun } from './tune.ts';
