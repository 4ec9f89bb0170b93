import { describe, expect, it } from 'vitest';
import { STYLES } from '../data/catalog.ts';
import { loadEmojiDataset } from '../data/emoji.ts';
import { CAPTION_MAX_LENGTH, emojiTokenizer } from './emoji-vocab.ts';
import { BOS_ID, buildTokenizerConfig, EOS_ID, PAD_ID, splitWords, Tokenizer, tokenizerConfigSchema, UNK_ID } from './tokenizer.ts';

describe('tokenizer', () => {
  const tok = new Tokenizer(buildTokenizerConfig(['thumbs up sign, noto style', 'keycap: *, twemoji style'], { maxLength: 8, placeholders: 2 }));

  it('splits words, keeps punctuation and placeholders as tokens', () => {
    expect(splitWords('A <s1> Face, medium-dark skin tone')).toEqual(['a', '<s1>', 'face', ',', 'medium-dark', 'skin', 'tone']);
    expect(splitWords('keycap: *')).toEqual(['keycap', ':', '*']);
  });

  it('encodes with <bos>/<eos>/<pad> and decodes back', () => {
    const e = tok.encode('Thumbs up sign, noto style');
    expect(e.ids[0]).toBe(BOS_ID);
    expect(e.length).toBe(8);
    expect(e.ids[7]).toBe(EOS_ID);
    expect(tok.decode(e.ids)).toBe('thumbs up sign, noto style');
    const short = tok.encode('noto style');
    expect(short.ids).toEqual([BOS_ID, tok.id('noto'), tok.id('style'), EOS_ID, PAD_ID, PAD_ID, PAD_ID, PAD_ID]);
  });

  it('maps unknown words to <unk>, keeps placeholders, truncates long text', () => {
    expect(tok.encode('violin').ids[1]).toBe(UNK_ID);
    const p = tok.encode('<s2> sign');
    expect(p.ids[1]).toBe(tok.id('<s2>'));
    expect(p.ids[1]).not.toBe(UNK_ID);
    expect(tok.decode(p.ids)).toBe('<s2> sign');
    const long = tok.encode('up up up up up up up up');
    expect(long.truncated).toBe(true);
    expect(long.ids).toHaveLength(8);
    expect(long.ids[7]).toBe(EOS_ID);
  });

  it('encodes a batch as int64 [n, maxLength]', () => {
    const t = tok.encodeBatch(['noto style', 'up']);
    expect(t.dtype).toBe('int64');
    expect(t.shape).toEqual([2, 8]);
    expect(Number(t.data[8])).toBe(BOS_ID);
  });

  it('rejects configs whose specials or placeholders are wrong', () => {
    const good = tok.config;
    expect(() => tokenizerConfigSchema.parse({ ...good, vocab: ['x', ...good.vocab.slice(1)] })).toThrow(/vocab\[0\] must be <pad>/);
    expect(() => tokenizerConfigSchema.parse({ ...good, placeholders: ['<s9>'] })).toThrow(/not in vocab/);
    expect(() => tokenizerConfigSchema.parse({ ...good, vocab: [...good.vocab, 'up'] })).toThrow(/duplicate/);
  });

  it('the emoji vocabulary covers every held-in caption and leaves held-out-only words out', () => {
    const emoji = emojiTokenizer();
    expect(emoji.maxLength).toBe(CAPTION_MAX_LENGTH);
    expect(emoji.id('<s16>')).toBe(19);
    for (const it of loadEmojiDataset({ split: 'train' })) {
      const e = emoji.encode(it.caption);
      expect(e.truncated).toBe(false);
      expect(e.ids).not.toContain(UNK_ID);
    }
    expect(emoji.id('violin')).toBe(UNK_ID); // only in a held-out concept's name
    expect(emoji.id('face')).not.toBe(UNK_ID);
    // Every style is one word of its own, so a caption can ask for any of them.
    for (const style of STYLES) expect(splitWords(`x, ${style} style`).slice(-2), style).toEqual([style, 'style']);
    for (const style of STYLES) expect(emoji.id(style), style).not.toBe(UNK_ID);
  });
});
