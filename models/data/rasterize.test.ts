import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { imagePath, styleItems } from './emoji.ts';
import { decodeEmoji, IMAGE_BYTES, IMAGE_SIZE, loadPixels } from './pixels.ts';
import { rasterizeSvg } from './rasterize.ts';

// A red square filling the middle half of a 32×32 view box, transparent around it.
const SQUARE = '<svg xmlns="http://www.w3.org/2000/svg" width="256" height="256" viewBox="0 0 32 32"><rect x="8" y="8" width="16" height="16" fill="#f00"/></svg>';

describe('SVG rasterization', () => {
  const cache = mkdtempSync(join(tmpdir(), 'emoji-raster-'));
  const before = process.env.PERSONALIZE_WORKBENCH_CACHE;
  beforeAll(() => void (process.env.PERSONALIZE_WORKBENCH_CACHE = cache));
  afterAll(() => {
    if (before === undefined) delete process.env.PERSONALIZE_WORKBENCH_CACHE;
    else process.env.PERSONALIZE_WORKBENCH_CACHE = before;
    rmSync(cache, { recursive: true, force: true });
  });

  it('draws an SVG as a 64×64 PNG with its transparency, which decodes on white like the PNG sets', async () => {
    const png = await rasterizeSvg(SQUARE, IMAGE_SIZE);
    const meta = await sharp(png).metadata();
    expect([meta.width, meta.height, meta.channels, meta.format]).toEqual([64, 64, 4, 'png']);
    const file = join(cache, 'square.png');
    await sharp(png).toFile(file);
    const px = await decodeEmoji(file);
    const at = (x: number, y: number) => [px[y * 64 + x], px[4096 + y * 64 + x], px[8192 + y * 64 + x]];
    expect(at(2, 2)).toEqual([255, 255, 255]); // transparent → white
    expect(at(32, 32)).toEqual([255, 0, 0]);
  });

  it('rasterizes an icon set\'s images into the cache on first use and reads them back', async () => {
    const items = styleItems('fluent-flat').filter((i) => i.concept === '1F600' || i.concept === '1F44D');
    expect(items.length).toBe(7); // grinning face, thumbs up and its five tones
    const store = await loadPixels(items, { cacheDir: join(cache, 'px') });
    expect(imagePath(items[0]).startsWith(cache)).toBe(true);
    const face = store.pixels.subarray(0, IMAGE_BYTES);
    expect([face[0], face[4096], face[8192]]).toEqual([255, 255, 255]);
    const c = 14 * 64 + 32; // the forehead (the open mouth is at the centre)
    expect(face[c] - face[8192 + c]).toBeGreaterThan(100); // yellow
    // Thumbs up, light and dark: the darker tone is darker.
    const mean = (i: number) => store.pixels.subarray(i * IMAGE_BYTES, (i + 1) * IMAGE_BYTES).reduce((s, v) => s + v, 0) / IMAGE_BYTES;
    const light = items.findIndex((i) => i.tone === 'light');
    const dark = items.findIndex((i) => i.tone === 'dark');
    expect(mean(dark)).toBeLessThan(mean(light) - 10);
  }, 60_000);
});
