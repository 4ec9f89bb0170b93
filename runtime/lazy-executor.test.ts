import { describe, expect, it } from 'vitest';
import type { Executor } from './executor.ts';
import { lazyExecutor } from './lazy-executor.ts';

describe('lazyExecutor', () => {
  const counting = () => {
    const made: string[] = [];
    const create = (): Executor => {
      made.push('made');
      return { lends: true, execute: async (job) => ({ outputs: { echo: { kind: 'scalar', value: job.params.x as number } } }), dispose: async () => void made.push('disposed') };
    };
    return { made, create };
  };
  const hooks = { signal: new AbortController().signal, onStart() {}, onProgress() {}, onPreview() {} };

  it('makes the executor on the first job, once', async () => {
    const { made, create } = counting();
    const ex = lazyExecutor(create, { lends: true });
    expect(made).toEqual([]);
    const job = { nodeId: 'n', nodeType: 't', params: { x: 2 }, inputs: {} };
    expect((await ex.execute(job, hooks)).outputs).toEqual({ echo: { kind: 'scalar', value: 2 } });
    await ex.execute(job, hooks);
    expect(made).toEqual(['made']);
  });

  it('makes it early when warmed, and disposes only what it made', async () => {
    const a = counting();
    const cold = lazyExecutor(a.create, { lends: true });
    await cold.dispose();
    expect(a.made).toEqual([]);
    const b = counting();
    const warm = lazyExecutor(b.create, { lends: true });
    warm.warm();
    warm.warm();
    await warm.dispose();
    expect(b.made).toEqual(['made', 'disposed']);
  });
});
