// The pure parts of the model evaluations: the sample-sheet choice (one row per category,
// alternating styles), the PNG grid (decodes back to the tiles) and the CLI's table.
import { decode } from 'fast-png';
import { describe, expect, it } from 'vitest';
import { Rng } from '../../ml/index.ts';
import type { EmojiItem } from '../data/catalog.ts';
import { formatTable } from './cli.ts';
import { gridPng } from './png-grid.ts';
import { sampleSheetItems } from './t2i.eval.ts';

const item = (id: number, category: string, style: 'twemoji' | 'noto', tone = ''): EmojiItem => ({
  id: `${style}:${id}`,
  concept: String(id),
  style,
  name: `thing ${id}`,
  tone,
  caption: `thing ${id}, ${style} style`,
  category,
  subcategory: 'x',
  file: `${id}.png`,
});

describe('sample sheet', () => {
  it('takes `per` base images per category, alternating styles, skipping tones and Component', () => {
    const items = [item(1, 'B', 'twemoji'), item(1, 'B', 'noto'), item(2, 'A', 'twemoji'), item(2, 'A', 'noto'), item(3, 'A', 'noto', 'dark'), item(4, 'Component', 'noto')];
    const sheet = sampleSheetItems(items, 4, new Rng(1));
    expect(sheet.map((it) => it.category)).toEqual(['A', 'A', 'A', 'A', 'B', 'B', 'B', 'B']);
    expect(sheet.map((it) => it.style)).toEqual(['twemoji', 'noto', 'twemoji', 'noto', 'twemoji', 'noto', 'twemoji', 'noto']);
    expect(sheet.every((it) => !it.tone)).toBe(true);
  });
});

describe('gridPng', () => {
  it('lays tiles out row-major with a white gutter', () => {
    const size = 2;
    const tiles = new Float32Array(3 * 3 * size * size);
    tiles.fill(-1, 0, 12); // tile 0 black
    tiles.fill(1, 12, 24); // tile 1 white
    tiles.fill(0, 24, 36); // tile 2 mid grey
    const png = decode(gridPng(tiles, 3, size, 2, 1));
    expect([png.width, png.height]).toEqual([2 * size + 3, 2 * size + 3]);
    const at = (x: number, y: number) => png.data[(y * png.width + x) * 3];
    expect(at(0, 0)).toBe(255); // gutter
    expect(at(1, 1)).toBe(0); // tile 0
    expect(at(4, 1)).toBe(255); // tile 1
    expect(at(1, 4)).toBe(128); // tile 2: (0 + 1)·127.5 rounds to 128
    expect(at(4, 4)).toBe(255); // no tile 3: background
  });
});

describe('eval CLI table', () => {
  it('prints each metric with its note, and skipped evaluations', () => {
    const text = formatTable([
      { name: 't2i', component: 'unet', metrics: { clipT_ratio: 0.61234, fid: 123.456 }, notes: { clipT_ratio: 'target ≥ 0.5' } },
      { name: 'vae', skipped: 'vae is not in this pack' },
    ]);
    expect(text).toContain('t2i (unet)');
    expect(text).toMatch(/clipT_ratio\s+0\.6123\s+target ≥ 0\.5/);
    expect(text).toMatch(/fid\s+123\.5/);
    expect(text).toContain('vae: skipped (vae is not in this pack)');
  });
});
