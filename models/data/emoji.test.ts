import { describe, expect, it } from 'vitest';
import { caption, catalogItems, CORE_STYLES, type EmojiRecord, sequenceKey, STYLES, toneName } from './catalog.ts';
import { emojiRecords, loadEmojiDataset, readHoldout, styleItems } from './emoji.ts';
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
    expect(caption('grinning face', '', 'fluent-flat')).toBe('grinning face, fluent-flat style');
  });

  it('compares code sequences without the presentation selector', () => {
    expect(sequenceKey('2764-fe0f-200d-1f525')).toBe('2764-200D-1F525');
    expect(sequenceKey('1F600')).toBe('1F600');
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

  it('limits a style that draws only some images to those it has', () => {
    const rec: EmojiRecord = {
      name: 'THUMBS UP SIGN', unified: '1F44D', image: '1f44d.png', short_name: '+1', category: 'People & Body', subcategory: 'hand',
      sort_order: 1, skin_variations: { '1F3FB': { unified: '1F44D-1F3FB', image: '1f44d-1f3fb.png' }, '1F3FF': { unified: '1F44D-1F3FF', image: 'x.png' } },
    };
    const items = catalogItems([rec], 'noto-v1', new Map([['1F44D', 'thumbs-up'], ['1F44D-1F3FF', 'thumbs-up-dark-skin-tone']]));
    expect(items.map((i) => [i.id, i.file, i.caption])).toEqual([
      ['noto-v1:1F44D', 'thumbs-up', 'thumbs up sign, noto-v1 style'],
      ['noto-v1:1F44D-1F3FF', 'thumbs-up-dark-skin-tone', 'thumbs up sign, dark skin tone, noto-v1 style'],
    ]);
  });
});

describe('emoji dataset', () => {
  const all = loadEmojiDataset({ split: 'all' });
  const train = loadEmojiDataset({ split: 'train' });
  const held = loadEmojiDataset({ split: 'holdout' });

  it('holds every image of every style, base and variants', () => {
    for (const s of CORE_STYLES) expect(all.filter((i) => i.style === s)).toHaveLength(3786);
    expect(new Set(all.map((i) => i.style))).toEqual(new Set(STYLES));
    // The SVG sets draw most concepts (the counts of their current versions, so a change is seen).
    const count = (s: string) => all.filter((i) => i.style === s).length;
    expect([count('fluent'), count('fluent-flat'), count('firefox'), count('noto-v1')]).toEqual([3139, 3139, 650, 2081]);
    expect(new Set(all.map((i) => i.id)).size).toBe(all.length);
    expect(train.length + held.length).toBe(all.length);
    const concepts = new Set(emojiRecords('twemoji').map((r) => r.unified));
    expect(all.every((i) => concepts.has(i.concept))).toBe(true);
  });

  it('maps icons of the SVG sets to the concepts they draw', () => {
    const byId = new Map(all.map((i) => [i.id, i]));
    expect(byId.get('fluent:1F44D')?.file).toBe('thumbs-up');
    expect(byId.get('fluent-flat:1F44D-1F3FF')?.file).toBe('thumbs-up-dark');
    expect(byId.get('noto-v1:1F44D-1F3FE')?.file).toBe('thumbs-up-medium-dark-skin-tone');
    expect(byId.get('firefox:2666-FE0F')?.file).toBe('blackdiamondsuit');
    expect(byId.get('firefox:1F48C')?.caption).toBe('love letter, firefox style');
  });

  it('keeps the 30 held-out concepts out of the training split entirely, in every style', () => {
    const h = readHoldout();
    expect(h.concepts).toHaveLength(30);
    const heldConcepts = new Set(h.concepts.map((c) => c.concept));
    expect(train.some((i) => heldConcepts.has(i.concept))).toBe(false);
    expect(new Set(held.map((i) => i.concept))).toEqual(heldConcepts);
    for (const c of heldConcepts) for (const s of CORE_STYLES) expect(held.some((i) => i.concept === c && i.style === s)).toBe(true);
    for (const style of STYLES) {
      // Each style's split, asked for alone, agrees: every image of a held-out concept is held out.
      const mine = styleItems(style).filter((i) => heldConcepts.has(i.concept));
      expect(mine.length, style).toBeGreaterThan(0);
      expect(loadEmojiDataset({ split: 'train', styles: [style] }).filter((i) => heldConcepts.has(i.concept)), style).toEqual([]);
      expect(loadEmojiDataset({ split: 'holdout', styles: [style] }), style).toEqual(mine);
    }
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
