import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { imagePath, loadEmojiDataset, styleItems } from './emoji.ts';
import { cacheRoot, decodeEmoji, IMAGE_BYTES, loadPixels, pixelBatch } from './pixels.ts';

describe('emoji pixels', () => {
  const dir = mkdtempSync(join(tmpdir(), 'emoji-px-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('composites on white: a corner of a transparent-background emoji is pure white', async () => {
    const item = loadEmojiDataset({ split: 'train' }).find((i) => i.id === 'noto:1F600')!;
    const px = await decodeEmoji(imagePath(item));
    expect(px).toHaveLength(IMAGE_BYTES);
    expect([px[0], px[4096], px[8192]]).toEqual([255, 255, 255]);
    // The face itself is not white: a yellow pixel at the centre (much more red than blue).
    const c = 32 * 64 + 32;
    expect(px[c] - px[8192 + c]).toBeGreaterThan(100);
  });

  it('caches decoded pixels and serves batches in [-1, 1]; a small request decodes only its images', async () => {
    const held = loadEmojiDataset({ split: 'holdout', styles: ['noto'] });
    const few = await loadPixels(held, { cacheDir: dir });
    expect(readdirSync(dir)).toEqual([]); // a few images of an uncached style: no block written
    const all = await loadPixels(styleItems('noto'), { cacheDir: dir });
    expect(readdirSync(dir).filter((f) => f.endsWith('.u8'))).toHaveLength(1);
    const b = await loadPixels(held.slice(0, 3), { cacheDir: dir }); // served from the cache file
    expect(b.pixels).toEqual(few.pixels.subarray(0, 3 * IMAGE_BYTES));
    const at = styleItems('noto').findIndex((i) => i.id === held[0].id);
    expect(all.pixels.subarray(at * IMAGE_BYTES, (at + 1) * IMAGE_BYTES)).toEqual(few.pixels.subarray(0, IMAGE_BYTES));
    const t = pixelBatch(few, [2, 0]);
    expect(t.shape).toEqual([2, 3, 64, 64]);
    const d = t.data as Float32Array;
    expect(Math.min(...d)).toBeGreaterThanOrEqual(-1);
    expect(Math.max(...d)).toBe(1);
    expect(d[0]).toBeCloseTo(few.pixels[2 * IMAGE_BYTES] / 127.5 - 1, 6);
  }, 60_000);

  it('keeps its cache outside the repository by default', () => {
    expect(cacheRoot().startsWith(process.cwd())).toBe(false);
  });
});
