import { describe, expect, it } from 'vitest';
import { catalogItems, type EmojiRecord } from './catalog.ts';
import { datasetStats, formatStats } from './stats.ts';

const rec = (unified: string, tones: string[] = []): EmojiRecord => ({
  name: `EMOJI ${unified}`, unified, image: `${unified}.png`, short_name: unified, category: 'c', subcategory: 's', sort_order: 0,
  skin_variations: tones.length ? Object.fromEntries(tones.map((t) => [t, { unified: `${unified}-${t}`, image: '' }])) : undefined,
});

describe('dataset stats', () => {
  it('counts images, concepts and the held-out split per style and in total', () => {
    const records = [rec('A', ['1F3FB', '1F3FF']), rec('B'), rec('C')];
    const items = [...catalogItems(records, 'twemoji'), ...catalogItems(records, 'firefox', new Map([['B', 'b'], ['A', 'a']]))];
    const s = datasetStats(['twemoji', 'firefox'], items, new Set(['A']));
    expect(s.rows[0]).toMatchObject({ style: 'twemoji', images: 5, concepts: 3, toneVariants: 2, heldInConcepts: 2, heldInImages: 2, heldOutConcepts: 1, heldOutImages: 3 });
    expect(s.rows[1]).toMatchObject({ style: 'firefox', images: 2, concepts: 2, toneVariants: 0, heldInConcepts: 1, heldInImages: 1, heldOutConcepts: 1, heldOutImages: 1 });
    expect(s.total).toEqual({ images: 7, concepts: 3, heldInConcepts: 2, heldInImages: 3, heldOutConcepts: 1, heldOutImages: 4 });
    const text = formatStats(s).split('\n');
    expect(text).toHaveLength(4);
    expect(text[0]).toMatch(/^style\s+images\s+concepts/);
    expect(text[3]).toMatch(/^all\s+7\s+3/);
  });
});
