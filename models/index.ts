// The model families' public face: what runs in browsers, Web Workers and Node alike.
// Node-only parts (the dataset on disk, pixel cache, training CLI) are in models/node.ts.

export {
  caption,
  catalogItems,
  type EmojiItem,
  emojiItemSchema,
  type EmojiRecord,
  emojiRecordSchema,
  type EmojiStyle,
  STYLE_SOURCE,
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
