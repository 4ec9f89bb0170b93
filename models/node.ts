// Node-only parts of models/: the emoji dataset read from the training-data packages
// (models/data/packages), the rasterized-SVG and decoded-pixel caches (sharp, fs), the vocabulary built from the held-in captions, writing packs, and the
// shared training loop (checkpoints, loss log, progress) behind `npm run train`.

export { DATA_INSTALL_COMMAND, DATA_PACKAGES_DIR, dataInstalled, dataPackageDir, MissingDataError } from './data/data-packages.ts';
export {
  emojiRecords,
  heldOutConcepts,
  imagePath,
  loadEmojiDataset,
  packageDir,
  readHoldout,
  styleItems,
  styleVersion,
  type DatasetOptions,
  type Split,
} from './data/emoji.ts';
export { rasterizeItems, rasterizeSvg } from './data/rasterize.ts';
export { datasetStats, formatStats, type StyleStats } from './data/stats.ts';
export { CHANNELS, cacheRoot, decodeEmoji, IMAGE_BYTES, IMAGE_SIZE, loadPixels, pixelBatch, type PixelOptions, type PixelStore } from './data/pixels.ts';
export { CAPTION_MAX_LENGTH, emojiTokenizer, emojiTokenizerConfig, PLACEHOLDER_SLOTS } from './text/emoji-vocab.ts';

export { EMOJI_ATTRIBUTION, EMOJI_PACK_NAME, emojiPackBase } from './pack/emoji-pack.ts';
export {
  EMOJI_GAN_PACK_DIR,
  EMOJI_PACK_DIR,
  exportComponent,
  type ExportOptions,
  fileFetchBytes,
  readDiffusionManifest,
  readManifest,
  recordMetrics,
  updateManifest,
  weightsFileName,
  writeManifest,
  writeWeightsFile,
} from './pack/write.ts';

export { type TrainFn, type TrainOptions, type TrainOptionsInput, type TrainResult, trainOptionsSchema } from './train/options.ts';
export { type Checkpoint, type CheckpointState, checkpointStateSchema, hasCheckpoint, loadCheckpoint, saveCheckpoint, settingsDiff } from './train/checkpoint.ts';
export { LOSS_LOG, type LoopOptions, type RunStart, startRun, trainLoop } from './train/loop.ts';
export { EpochSampler, mix, stepNoise, stepRng } from './train/batches.ts';
export { Ema, formatDuration, progressLine, ProgressReporter } from './train/progress.ts';
export { type Reconstructions, reconstruct, scalingFactor } from './eval/vae-reconstruct.ts';
