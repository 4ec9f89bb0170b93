// Node-only parts of models/: the emoji dataset read from the npm packages, the decoded-pixel
// cache (sharp, fs) and the vocabulary built from the held-in captions.

export { emojiRecords, imagePath, loadEmojiDataset, packageDir, readHoldout, type DatasetOptions, type Split } from './data/emoji.ts';
export { CHANNELS, cacheRoot, decodeEmoji, IMAGE_BYTES, IMAGE_SIZE, loadPixels, pixelBatch, type PixelOptions, type PixelStore } from './data/pixels.ts';
export { CAPTION_MAX_LENGTH, emojiTokenizer, emojiTokenizerConfig, PLACEHOLDER_SLOTS } from './text/emoji-vocab.ts';
