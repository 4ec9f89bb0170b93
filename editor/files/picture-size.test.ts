import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { doc, testCatalog } from '../document/testing.ts';
import { packResolution } from './pack-manifest.ts';
import { packsOf, pictureSizeFor } from './picture-size.ts';

const fromPublic = (url: string) => readFile(new URL(`../../public/${url}`, import.meta.url), 'utf8').then(JSON.parse).catch(() => undefined);
const resolve = (pack: string) => packResolution(pack, fromPublic);

describe('the size a dropped picture loads at', () => {
  it('is the resolution of the pack the graph uses, or the default pack in an empty graph', async () => {
    expect(await pictureSizeFor(doc([['m', 'model-loader']]), testCatalog, resolve)).toEqual({ width: 64, height: 64 });
    expect(await pictureSizeFor(doc([]), testCatalog, resolve)).toEqual({ width: 64, height: 64 });
  });

  it('lists the graph’s own pack before the defaults', () => {
    expect(packsOf(doc([['m', 'model-loader', { pack: 'models/mine' }]]), testCatalog)[0]).toBe('models/mine');
  });

  it('falls back to the size another loader uses when no pack can be read', async () => {
    const none = async () => undefined;
    expect(await pictureSizeFor(doc([['i', 'image-loader', { sources: ['a.png'], width: 80, height: 80 }]]), testCatalog, none)).toEqual({ width: 80, height: 80 });
  });
});
