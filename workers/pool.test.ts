// The runtime on a real worker_threads pool with the real nodes, plus nodes that break their
// worker on purpose (workers/testing/fault-registry.ts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registry as appRegistry } from '../nodes/registry.ts';
import { cacheKeys, createRuntime, indexGraph, inProcessExecutor, type RunEvent } from '../runtime/index.ts';
import { nodePlatform } from '../runtime/node/index.ts';
import type { WorkerPool } from '../runtime/pool.ts';
import { graph } from '../runtime/testing/fixtures.ts';
import { nodeWorkerPool } from './node-pool.ts';
import { registry as faultRegistry } from './testing/fault-registry.ts';

const faults = new URL('./testing/fault-registry.ts', import.meta.url).href;
let pool: WorkerPool;
beforeAll(() => {
  pool = nodeWorkerPool({ size: 2, registryModule: faults });
});
afterAll(() => pool.dispose());

const record = () => {
  const events: RunEvent[] = [];
  return { events, onEvent: (e: RunEvent) => events.push(e) };
};
const at = (events: RunEvent[], type: string, nodeId: string) => events.findIndex((e) => e.type === type && 'nodeId' in e && e.nodeId === nodeId);

const blendGraph = () =>
  graph(
    [
      ['n', 'seed-noise', { seed: 1, width: 96, height: 96 }],
      ['m', 'seed-noise', { seed: 2, width: 96, height: 96 }],
      ['b', 'blend', { mode: 'screen' }],
      ['p', 'preview', { cell: 48 }],
    ],
    [['n', 'image', 'b', 'a'], ['m', 'image', 'b', 'b'], ['b', 'image', 'p', 'images'], ['n', 'image', 'p', 'images']],
  );

describe('worker pool', () => {
  it('gives the same results as running in-process, with independent branches in parallel', async () => {
    const rt = createRuntime({ registry: faultRegistry, executor: pool });
    const { events, onEvent } = record();
    const r = await rt.run(blendGraph(), { onEvent }).done;
    expect(r.stats).toMatchObject({ ran: 4, failed: 0 });
    // n and m both started before either finished.
    expect(Math.max(at(events, 'node-running', 'n'), at(events, 'node-running', 'm'))).toBeLessThan(
      Math.min(at(events, 'node-done', 'n'), at(events, 'node-done', 'm')),
    );
    const ref = await createRuntime({ registry: appRegistry, executor: inProcessExecutor(appRegistry, nodePlatform()) }).run(blendGraph()).done;
    const grid = (x: typeof r) => (x.outputs.get('p')!.grid as { tensor: { data: Float32Array } }).tensor.data;
    expect(grid(r)).toEqual(grid(ref));
    // Inputs lent to workers came back: the cached noise is whole, not a detached buffer.
    const key = cacheKeys(blendGraph(), indexGraph(blendGraph()), faultRegistry).get('n')!;
    const noise = rt.memory.get(key)!.image as { tensor: { data: Float32Array } };
    expect(noise.tensor.data.length).toBe(3 * 96 * 96);
  });

  it.each([
    ['throw-outside', /worker crashed: thrown from a timer/],
    ['exit', /worker crashed: worker exited with code 3/],
  ])('a worker that crashes (%s) is that node’s error, the other branch finishes, the next run works', async (fault, message) => {
    const rt = createRuntime({ registry: faultRegistry, executor: pool });
    const crashesBefore = pool.stats.crashes;
    const d = graph(
      [['bad', `test/${fault}`], ['p1', 'preview'], ['n', 'seed-noise', { seed: 5, width: 16, height: 16 }], ['p2', 'preview']],
      [['bad', 'image', 'p1', 'images'], ['n', 'image', 'p2', 'images']],
    );
    const r = await rt.run(d).done;
    expect(r.nodeErrors.get('bad')).toMatch(message);
    expect(r.nodeErrors.get('p1')).toMatch(/not run/);
    expect(r.outputs.has('p2')).toBe(true);
    expect(pool.stats.crashes).toBe(crashesBefore + 1);
    const next = await rt.run(blendGraph()).done;
    expect(next.stats.failed).toBe(0);
  });

  it('inputs lent to a worker that crashes are forgotten, and the next run recomputes them', async () => {
    const rt = createRuntime({ registry: faultRegistry, executor: pool });
    const noise = graph([['n', 'seed-noise', { seed: 9, width: 16, height: 16 }], ['p', 'preview']], [['n', 'image', 'p', 'images']]);
    const withCrash = graph(
      [['n', 'seed-noise', { seed: 9, width: 16, height: 16 }], ['bad', 'test/exit'], ['p', 'preview']],
      [['n', 'image', 'bad', 'image'], ['n', 'image', 'p', 'images']],
    );
    const first = await rt.run(withCrash, { outputs: ['bad'] }).done;
    expect(first.nodeErrors.get('bad')).toMatch(/worker crashed/);
    const next = await rt.run(noise).done;
    expect(next.ran).toEqual(['n', 'p']);
    expect(next.stats.failed).toBe(0);
    const ref = await createRuntime({ registry: appRegistry, executor: inProcessExecutor(appRegistry, nodePlatform()) }).run(noise).done;
    expect((next.outputs.get('p')!.grid as { tensor: unknown }).tensor).toEqual((ref.outputs.get('p')!.grid as { tensor: unknown }).tensor);
  });

  it('a node stuck in a loop that ignores its signal is stopped within 250 ms by ending its worker', async () => {
    const rt = createRuntime({ registry: faultRegistry, executor: pool });
    const d = graph([['spin', 'test/spin'], ['p', 'preview']], [['spin', 'image', 'p', 'images']]);
    let cancelledAt = 0;
    let stoppedAt = 0;
    const handle = rt.run(d, {
      onEvent: (e) => {
        if (e.type === 'node-running' && e.nodeId === 'spin')
          setTimeout(() => {
            cancelledAt = performance.now();
            handle.cancel();
          }, 100);
        if (e.type === 'node-error' && e.nodeId === 'spin') stoppedAt = performance.now();
      },
    });
    const r = await handle.done;
    expect(r.status).toBe('cancelled');
    expect(stoppedAt - cancelledAt).toBeLessThan(250);
    expect(pool.stats.killed).toBeGreaterThanOrEqual(1);
    expect((await rt.run(blendGraph()).done).stats.failed).toBe(0);
  });

  it('a cooperative node stops within 250 ms of a cancel and nothing of it is cached', async () => {
    const rt = createRuntime({ registry: faultRegistry, executor: pool });
    const d = graph([['noise', 'seed-noise', { width: 2048, height: 2048, channels: 8 }], ['p', 'preview']], [['noise', 'image', 'p', 'images']]);
    let cancelledAt = 0;
    let stoppedAt = 0;
    const handle = rt.run(d, {
      onEvent: (e) => {
        if (e.type === 'node-running' && e.progress && !cancelledAt) {
          cancelledAt = performance.now();
          handle.cancelNode('noise');
        }
        if (e.type === 'node-error' && e.nodeId === 'noise') stoppedAt = performance.now();
      },
    });
    const r = await handle.done;
    expect(r.nodeErrors.get('noise')).toBe('cancelled');
    expect(stoppedAt - cancelledAt).toBeLessThan(250);
    expect(rt.memory.size).toBe(0);
  });
});

describe('a worker out of memory', () => {
  it('is reported as that node’s error and replaced', async () => {
    const small = nodeWorkerPool({ size: 1, registryModule: faults, resourceLimits: { maxOldGenerationSizeMb: 48 } });
    try {
      const rt = createRuntime({ registry: faultRegistry, executor: small });
      const r = await rt.run(graph([['oom', 'test/oom'], ['p', 'preview']], [['oom', 'image', 'p', 'images']])).done;
      expect(r.nodeErrors.get('oom')).toMatch(/worker crashed: .*memory/i);
      const d = graph([['n', 'seed-noise', { width: 8, height: 8 }], ['p', 'preview']], [['n', 'image', 'p', 'images']]);
      expect((await rt.run(d).done).stats.failed).toBe(0);
    } finally {
      await small.dispose();
    }
  });
});
