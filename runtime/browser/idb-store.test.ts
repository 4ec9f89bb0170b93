// IndexedDB store against fake-indexeddb, a complete in-memory IndexedDB implementation.
import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { registry } from '../../nodes/registry.ts';
import { MemoryCache } from '../cache/memory.ts';
import { inProcessExecutor } from '../in-process.ts';
import { noPlatform } from '../platform.ts';
import { createRuntime } from '../scheduler.ts';
import { graph } from '../testing/fixtures.ts';
import { idbStore } from './idb-store.ts';

describe('idbStore', () => {
  it('stores, finds and deletes bytes', async () => {
    const s = idbStore('test-db-1');
    expect(await s.has('abc12345')).toBe(false);
    await s.set('abc12345', new Uint8Array([1, 2, 3]));
    expect(await s.has('abc12345')).toBe(true);
    expect(Array.from((await s.get('abc12345'))!)).toEqual([1, 2, 3]);
    await s.delete('abc12345');
    expect(await s.get('abc12345')).toBeUndefined();
  });

  it('lets a reloaded page reuse persisted latents', async () => {
    const d = graph([['noise', 'seed-noise', { width: 8, height: 8 }], ['p', 'preview']], [['noise', 'image', 'p', 'images']]);
    const make = () => createRuntime({ registry, executor: inProcessExecutor(registry, noPlatform), persistent: idbStore('test-db-2'), memory: new MemoryCache() });
    expect((await make().run(d).done).ran.sort()).toEqual(['noise', 'p']);
    expect((await make().run(d).done).cached).toEqual(['noise']);
  });
});
