import { describe, expect, it } from 'vitest';
import { buildTokenizerConfig, Tokenizer } from '../text/tokenizer.ts';
import { bindPlaceholders, encodeWithPlaceholders, slotOf, toSlots, writtenOf } from './placeholders.ts';

const tok = new Tokenizer(buildTokenizerConfig(['a cat on the beach'], { maxLength: 8, placeholders: 2 }));

describe('placeholders', () => {
  it('maps written placeholders to slots and back', () => {
    expect(toSlots('S* on the beach, S2* too')).toBe('<s1> on the beach, <s2> too');
    expect(toSlots('BUS* stays')).toBe('BUS* stays');
    expect(slotOf('S*')).toBe('<s1>');
    expect(slotOf('S3*')).toBe('<s3>');
    expect(() => slotOf('cat')).toThrow(/not a placeholder/);
    expect(writtenOf('<s1>')).toBe('S*');
    expect(writtenOf('<s2>')).toBe('S2*');
  });

  it('finds the slot positions and binds vectors there; an unbound or unknown slot is an error', () => {
    const at = encodeWithPlaceholders(tok, 'a S* cat');
    expect(at.positions.get('<s1>')).toEqual([2]);
    const D = 2;
    const embeds = new Float32Array(8 * D).fill(9);
    const out = bindPlaceholders(embeds, D, at, { '<s1>': [1, 2] });
    expect(Array.from(out.subarray(4, 6))).toEqual([1, 2]);
    expect(out[0]).toBe(9);
    expect(() => bindPlaceholders(embeds, D, at, {})).toThrow(/uses S\* but no embedding is bound/);
    expect(() => bindPlaceholders(embeds, D, at, { '<s1>': [1, 2, 3] })).toThrow(/3 values/);
    expect(bindPlaceholders(embeds, D, at, {}, { allowUnbound: ['<s1>'] })[4]).toBe(9);
    expect(() => encodeWithPlaceholders(tok, 'S5* cat')).toThrow(/S\* … S2\*, not S5\*/);
  });
});
