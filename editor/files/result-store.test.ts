import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { idbResultStore } from './result-store.ts';

describe('kept results', () => {
  it('reads back the previews saved under a key, pictures included, and nothing for other keys', async () => {
    const store = idbResultStore('results-test-1');
    const image = { width: 1, height: 1, data: new Uint8Array([1, 2, 3, 255]) };
    await store.save('k1', [{ kind: 'images', port: 'grid', images: [image], total: 1, caption: '1 × 1×1' }]);
    await store.save('k2', [{ kind: 'text', port: 'prompt', text: '“a cat”' }]);
    const back = await idbResultStore('results-test-1').load(['k1', 'k3']);
    expect([...back.keys()]).toEqual(['k1']);
    const p = back.get('k1')![0];
    expect(p.kind === 'images' && Array.from(p.images[0].data)).toEqual([1, 2, 3, 255]);
  });
});
