// A word-level tokenizer over the pack's captions. Captions are short Unicode names plus a style
// ("thumbs up sign, medium skin tone, noto style"), so whole words are the natural unit: 1.8k words
// cover every caption, and an unseen word maps to <unk> rather than to sub-word pieces the small
// text encoder could not compose anyway. Punctuation (commas, colons) becomes tokens of its own,
// which tells the encoder where the name ends and the tone and style begin.
//
// Ids: <pad>=0, <bos>=1, <eos>=2, <unk>=3, then the placeholder slots <s1>…<sN> that Textual
// Inversion fills with learned embeddings (never seen in training), then the words.
import { i64, type Tensor } from '../../ml/index.ts';
import { z } from 'zod';

export const SPECIAL_TOKENS = ['<pad>', '<bos>', '<eos>', '<unk>'] as const;
export const PAD_ID = 0;
export const BOS_ID = 1;
export const EOS_ID = 2;
export const UNK_ID = 3;

export const tokenizerConfigSchema = z
  .object({
    kind: z.literal('word-v1'),
    /** Every token by id: specials, placeholders, words. */
    vocab: z.array(z.string().min(1).max(256)).min(SPECIAL_TOKENS.length).max(65_536),
    /** Sequence length of every encoding, <bos> and <eos> included. */
    maxLength: z.number().int().min(3).max(1024),
    /** Placeholder tokens, in vocab order, that new concepts may take. */
    placeholders: z.array(z.string().regex(/^<s\d{1,6}>$/)).max(1024),
  })
  .superRefine((c, ctx) => {
    SPECIAL_TOKENS.forEach((t, i) => c.vocab[i] !== t && ctx.addIssue({ code: 'custom', message: `vocab[${i}] must be ${t}` }));
    const vocab = new Set(c.vocab);
    if (vocab.size !== c.vocab.length) ctx.addIssue({ code: 'custom', message: 'vocab has duplicate tokens' });
    for (const p of c.placeholders) if (!vocab.has(p)) ctx.addIssue({ code: 'custom', message: `placeholder ${p} is not in vocab` });
  });
export type TokenizerConfig = z.infer<typeof tokenizerConfigSchema>;

// Placeholders and specials first, so "<s1>" stays one token; words may hold inner hyphens and
// apostrophes ("stuck-out", "o'clock"); any other non-space character is a token by itself.
const PIECE = /<s\d+>|<[a-z]+>|\p{L}[\p{L}\p{N}'’-]*|\p{N}+|[^\s\p{L}\p{N}]/gu;

/** The pieces a text splits into, lowercased. */
export function splitWords(text: string): string[] {
  return text.toLowerCase().match(PIECE) ?? [];
}

export interface BuildOptions {
  maxLength: number;
  /** Number of placeholder slots <s1>…<sN> (default 16). */
  placeholders?: number;
}

/** A vocabulary from captions: words sorted by code point, so the same captions give the same ids. */
export function buildTokenizerConfig(captions: Iterable<string>, opts: BuildOptions): TokenizerConfig {
  const words = new Set<string>();
  for (const c of captions) for (const w of splitWords(c)) words.add(w);
  const placeholders = Array.from({ length: opts.placeholders ?? 16 }, (_, i) => `<s${i + 1}>`);
  for (const t of [...SPECIAL_TOKENS, ...placeholders]) words.delete(t);
  const vocab = [...SPECIAL_TOKENS, ...placeholders, ...[...words].sort()];
  return tokenizerConfigSchema.parse({ kind: 'word-v1', vocab, maxLength: opts.maxLength, placeholders });
}

export interface Encoding {
  /** maxLength ids: <bos> words… <eos> <pad>…; words past maxLength − 2 are dropped. */
  ids: number[];
  /** Tokens before padding (<bos> and <eos> included). */
  length: number;
  /** True when words were dropped to fit. */
  truncated: boolean;
}

export class Tokenizer {
  readonly config: TokenizerConfig;
  private readonly ids: Map<string, number>;

  constructor(config: TokenizerConfig) {
    this.config = tokenizerConfigSchema.parse(config);
    this.ids = new Map(this.config.vocab.map((t, i) => [t, i]));
  }

  get vocabSize(): number {
    return this.config.vocab.length;
  }

  get maxLength(): number {
    return this.config.maxLength;
  }

  /** Id of a token (a placeholder such as '<s1>' included); <unk>'s id for an unknown one. */
  id(token: string): number {
    return this.ids.get(token) ?? UNK_ID;
  }

  encode(text: string): Encoding {
    const words = splitWords(text).map((w) => this.id(w));
    const room = this.maxLength - 2;
    const body = words.slice(0, room);
    const ids = [BOS_ID, ...body, EOS_ID];
    const length = ids.length;
    while (ids.length < this.maxLength) ids.push(PAD_ID);
    return { ids, length, truncated: words.length > room };
  }

  /** Texts as an int64 [n, maxLength] tensor, the text encoder's input. */
  encodeBatch(texts: readonly string[]): Tensor {
    return i64([texts.length, this.maxLength], texts.flatMap((t) => this.encode(t).ids));
  }

  /** Text of ids, without specials; punctuation attached to the word before it. */
  decode(ids: Iterable<number | bigint>): string {
    const out: string[] = [];
    for (const raw of ids) {
      const i = Number(raw);
      if (i === EOS_ID) break;
      if (i === PAD_ID || i === BOS_ID) continue;
      out.push(this.config.vocab[i] ?? '<unk>');
    }
    return out.join(' ').replace(/ ([,.:;!?)])/g, '$1');
  }
}
