import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { doc } from '../document/testing.ts';
import { debouncedSaver, idbDocStorage } from './autosave.ts';

describe('autosave', () => {
  it('reads back the last of many quick changes', async () => {
    const storage = idbDocStorage('autosave-test-1');
    expect(await storage.load()).toBeUndefined();
    const saver = debouncedSaver(storage, 20);
    saver.schedule(doc([['a', 'blend']]));
    saver.schedule(doc([['a', 'blend'], ['b', 'preview']]));
    await new Promise((r) => setTimeout(r, 60));
    expect((await idbDocStorage('autosave-test-1').load())?.nodes.map((n) => n.id)).toEqual(['a', 'b']);
  });

  it('migrates what an older build saved', async () => {
    const storage = idbDocStorage('autosave-test-2');
    await storage.save({ version: 1, nodes: [{ id: 'a', type: 'blend', data: { params: { alpha: 1 } } }], edges: [] } as never);
    expect((await storage.load())?.nodes[0].params).toEqual({ alpha: 1 });
  });
});
