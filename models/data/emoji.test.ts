import { describe, expect, it } from 'vitest';
import { caption, catalogItems, type EmojiRecord, toneName } from './catalog.ts';
import { emojiRecords, loadEmojiDataset, readHoldout } from './emoji.ts';
import { chooseHoldout, HOLDOUT_COUNT, HOLDOUT_SEED } from './split.ts';

describe('emoji catalog', () => {
  it('names skin tones as CLDR does and phrases captions', () => {
    expect(toneName('1F3FD')).toBe('medium');
    expect(toneName('1F3FB-1F3FF')).toBe('light and dark');
    expect(toneName('1F3FC-1F3FC')).toBe('medium-light');
    expect(() => toneName('1F600')).toThrow(/unknown skin-tone/);
    expect(caption('thumbs up sign', 'medium', 'noto')).toBe('thumbs up sign, medium skin tone, noto style');
    expect(caption('kiss', 'light and dark', 'twemoji')).toBe('kiss, light and dark skin tones, twemoji style');
    expect(caption('grinning face', '', 'twemoji')).toBe('grinning face, twemoji style');
  });

  it('lists each base emoji and its variants under one concept', () => {
    const rec: EmojiRecord = {
      name: 'THUMBS UP SIGN', unified: '1F44D', image: '1f44d.png', short_name: '+1', category: 'People & Body',
      subcategory: 'hand', sort_order: 1, skin_variations: { '1F3FB': { unified: '1F44D-1F3FB', image: '1f44d-1f3fb.png' } },
    };
    const items = catalogItems([rec], 'noto');
    expect(items.map((i) => i.id)).toEqual(['noto:1F44D', 'noto:1F44D-1F3FB']);
    expect(new Set(items.map((i) => i.concept))).toEqual(new Set(['1F44D']));
    expect(items[1].caption).toBe('thumbs up sign, light skin tone, noto style');
  });
});

describe('emoji dataset', () => {
  const all = loadEmojiDataset({ split: 'all' });
  const train = loadEmojiDataset({ split: 'train' });
  const held = loadEmojiDataset({ split: 'holdout' });

  it('holds every image of both styles, base and variants', () => {
    expect(all).toHaveLength(2 * 3786);
    expect(all.filter((i) => i.style === 'twemoji')).toHaveLength(3786);
    expect(new Set(all.map((i) => i.id)).size).toBe(all.length);
    expect(train.length + held.length).toBe(all.length);
  });

  it('keeps the 30 held-out concepts out of the training split entirely', () => {
    const h = readHoldout();
    expect(h.concepts).toHaveLength(30);
    const heldConcepts = new Set(h.concepts.map((c) => c.concept));
    expect(train.some((i) => heldConcepts.has(i.concept))).toBe(false);
    expect(new Set(held.map((i) => i.concept))).toEqual(heldConcepts);
    for (const c of heldConcepts) expect(new Set(held.filter((i) => i.concept === c).map((i) => i.style))).toEqual(new Set(['twemoji', 'noto']));
    // Spread: every category but the skin-tone swatches has at least 3 held-out concepts.
    const perCat = new Map<string, number>();
    for (const c of h.concepts) perCat.set(c.category, (perCat.get(c.category) ?? 0) + 1);
    expect(perCat.size).toBe(9);
    expect(Math.min(...perCat.values())).toBeGreaterThanOrEqual(3);
  });

  it('holdout.json is what the seeded choice gives', () => {
    const again = chooseHoldout(emojiRecords('twemoji'), HOLDOUT_COUNT, HOLDOUT_SEED);
    expect(again).toEqual(readHoldout().concepts);
    expect(chooseHoldout(emojiRecords('twemoji'), HOLDOUT_COUNT, HOLDOUT_SEED + 1)).not.toEqual(again);
  });
});
