// The pack's tokenizer, built from the held-in captions only (Node: it reads the dataset). A word
// of a held-out concept is in the vocabulary only when some held-in caption also uses it ("face",
// "flag"); words unique to held-out concepts ("violin", "snail", "gemini") are not, so they encode
// as <unk> and no model learns them from text. Textual Inversion names such a concept with a
// placeholder (<s1>…) instead.
import { loadEmojiDataset } from '../data/emoji.ts';
import { buildTokenizerConfig, Tokenizer, type TokenizerConfig } from './tokenizer.ts';

/** Longest caption is 18 tokens with <bos>/<eos>; 20 leaves room for a placeholder phrase. */
export const CAPTION_MAX_LENGTH = 20;
export const PLACEHOLDER_SLOTS = 16;

export function emojiTokenizerConfig(): TokenizerConfig {
  const captions = loadEmojiDataset({ split: 'train' }).map((it) => it.caption);
  return buildTokenizerConfig(captions, { maxLength: CAPTION_MAX_LENGTH, placeholders: PLACEHOLDER_SLOTS });
}

export const emojiTokenizer = () => new Tokenizer(emojiTokenizerConfig());
