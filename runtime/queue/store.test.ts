import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sha256, sharedCache, sharedStore } from './store.ts';

const tmp = () => mkdtemp(join(tmpdir(), 'shared-store-'));
const bytes = (...b: number[]) => new Uint8Array(b);
const KEY = 'a1b2c3d4e5f60718293a4b5c6d7e8f90';

describe('sharedStore', () => {
  it('names objects by the sha256 of their bytes and stores each once', async () => {
    const store = sharedStore(await tmp());
    const a = await store.put(bytes(1, 2, 3));
    expect(a).toBe(sha256(bytes(1, 2, 3)));
    expect(await store.put(bytes(1, 2, 3))).toBe(a);
    expect(Array.from((await store.get(a))!)).toEqual([1, 2, 3]);
    expect(await store.has(a)).toBe(true);
    expect(await store.get(sha256(bytes(9)))).toBeUndefined();
    // Nothing temporary is left behind.
    const files = await readdir(join(store.dir, 'objects', a.slice(0, 2)));
    expect(files).toEqual([a]);
  });

  it('deletes an object whose bytes no longer match its name, and counts it', async () => {
    const store = sharedStore(await tmp());
    const a = await store.put(bytes(1, 2, 3, 4));
    await writeFile(join(store.dir, 'objects', a.slice(0, 2), a), bytes(1, 2, 3, 5));
    expect(await store.get(a)).toBeUndefined();
    expect(store.corrupt).toBe(1);
    expect(await store.has(a)).toBe(false);
  });

  it('refuses names that are not hashes, so no path is built from a job record', async () => {
    const store = sharedStore(await tmp());
    await expect(store.get('../../etc/passwd')).rejects.toThrow(/not an object name/);
    await expect(store.manifest('../x')).rejects.toThrow(/not a cache key/);
  });

  it('commits a key only when its object is there; a manifest naming a missing object is no commit', async () => {
    const store = sharedStore(await tmp());
    const missing = sha256(bytes(7));
    await expect(store.commit({ v: 1, key: KEY, object: missing, bytes: 1 })).rejects.toThrow(/is not stored/);
    const object = await store.put(bytes(7));
    await store.commit({ v: 1, key: KEY, object, bytes: 1, node: 'blend' });
    expect(await store.manifest(KEY)).toMatchObject({ key: KEY, object, node: 'blend' });
    // A torn or foreign manifest reads as absent and is removed.
    const path = join(store.dir, 'manifests', KEY.slice(0, 2), `${KEY}.json`);
    await writeFile(path, '{"v":1,"key":');
    expect(await store.manifest(KEY)).toBeUndefined();
    await expect(readFile(path)).rejects.toThrow(/ENOENT/);
  });
});

describe('sharedCache', () => {
  it('serves committed keys and forgets one whose object turned out corrupt', async () => {
    const store = sharedStore(await tmp());
    const cache = sharedCache(store);
    await cache.set(KEY, bytes(5, 6));
    expect(await cache.has(KEY)).toBe(true);
    expect(Array.from((await cache.get(KEY))!)).toEqual([5, 6]);
    const m = (await store.manifest(KEY))!;
    await writeFile(join(store.dir, 'objects', m.object.slice(0, 2), m.object), bytes(0));
    expect(await cache.get(KEY)).toBeUndefined();
    expect(await cache.has(KEY)).toBe(false);
  });
});
