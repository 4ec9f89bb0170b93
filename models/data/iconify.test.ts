import { describe, expect, it } from 'vitest';
import type { EmojiRecord } from './catalog.ts';
import { iconNames, iconSequences } from './iconify.ts';

const rec = (unified: string, name: string, shortNames: string[], tones: string[] = []): EmojiRecord => ({
  name, unified, image: '', short_name: shortNames[0], short_names: shortNames, category: 'c', subcategory: 's', sort_order: 0,
  skin_variations: tones.length ? Object.fromEntries(tones.map((t) => [t, { unified: `${unified}-${t}`, image: '' }])) : undefined,
});
const records = [
  rec('1F44D', 'THUMBS UP SIGN', ['+1', 'thumbsup'], ['1F3FB', '1F3FF']),
  rec('2666-FE0F', 'BLACK DIAMOND SUIT', ['diamonds']),
  rec('1F48C', 'LOVE LETTER', ['love_letter']),
  rec('1F170-FE0F', 'NEGATIVE SQUARED LATIN CAPITAL LETTER A', ['a']),
];
const cldr = { '1f44d': 'thumbs-up', '1f44d-1f3ff': 'thumbs-up-dark', '2666': 'diamond-suit', '1f170': 'a-button-blood-type' };
const set = (names: string[], aliases: Record<string, string> = {}) =>
  iconNames({
    prefix: 'test',
    icons: Object.fromEntries(names.map((n) => [n, { body: '<path/>' }])),
    aliases: Object.fromEntries(Object.entries(aliases).map(([a, parent]) => [a, { parent }])),
  });

describe('iconify names to code sequences', () => {
  it('trusts a set\'s own chars first', () => {
    const m = iconSequences(set(['up-thumb']), records, { chars: { '1f44d': 'up-thumb' }, cldr });
    expect([...m]).toEqual([['1F44D', 'up-thumb']]);
  });

  it('matches CLDR names, Unicode names and short names as slugs, tone variants in either spelling', () => {
    const m = iconSequences(set(['thumbs-up', 'thumbs-up-light-skin-tone', 'thumbs-up-dark', 'love-letter', 'diamonds', 'apple-logo']), records, { chars: {}, cldr });
    expect(Object.fromEntries(m)).toEqual({
      '1F44D': 'thumbs-up',
      '1F44D-1F3FB': 'thumbs-up-light-skin-tone',
      '1F44D-1F3FF': 'thumbs-up-dark',
      '1F48C': 'love-letter',
      '2666': 'diamonds',
    });
  });

  it('matches squashed names (Firefox OS) and resolves aliases', () => {
    const m = iconSequences(set(['blackdiamondsuit', 'loveletter', 'thumbsupsign'], { 'a-button': 'blackdiamondsuit' }), records, { chars: {}, cldr });
    expect(Object.fromEntries(m)).toEqual({ '2666': 'blackdiamondsuit', '1F48C': 'loveletter', '1F44D': 'thumbsupsign' });
  });

  it('leaves a squashed name that two sequences share unmatched rather than guessing', () => {
    const two = [...records, rec('1F48D', 'LOVEL ETTER', ['ring'])];
    const m = iconSequences(set(['loveletter']), two, { chars: {}, cldr: {} });
    expect(m.size).toBe(0);
  });
});
