// The scheduler with the real nodes on the in-process executor: what re-runs after each kind
// of edit, failing branches, cancellation and persistence. The worker pool has its own tests.
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { registry } from '../nodes/registry.ts';
import { cacheKeys } from './cache-keys.ts';
import { MemoryCache } from './cache/memory.ts';
import { memoryStore } from './cache/store.ts';
import type { GraphDoc } from './document/schema.ts';
import type { RunEvent } from './events.ts';
import { indexGraph } from './graph.ts';
import { inProcessExecutor } from './in-process.ts';
import { fileStore } from './node/file-store.ts';
import { nodePlatform } from './node/platform.ts';
import { createRuntime, type RuntimeOptions } from './scheduler.ts';
import { graph, writeTestImages } from './testing/fixtures.ts';

let images: Awaited<ReturnType<typeof writeTestImages>>;
beforeAll(async () => {
  images = await writeTestImages();
});

const executor = () => inProcessExecutor(registry, nodePlatform());
const runtime = (extra: Partial<RuntimeOptions> = {}) => createRuntime({ registry, executor: executor(), ...extra });

const base = () =>
  graph(
    [
      ['load', 'image-loader', { sources: [images.png, images.jpeg, images.webp], width: 32, height: 32 }],
      ['noise', 'seed-noise', { seed: 7, width: 32, height: 32 }],
      ['blend', 'blend', { alpha: 0.25 }],
      ['prompt', 'text-prompt', { text: 'a cat' }],
      ['preview', 'preview', { cell: 32 }],
      ['save', 'save-image'],
    ],
    [
      ['load', 'images', 'blend', 'a'],
      ['noise', 'image', 'blend', 'b'],
      ['blend', 'image', 'preview', 'images'],
      ['load', 'images', 'preview', 'images'],
      ['blend', 'image', 'save', 'images'],
    ],
  );

const sorted = (ids: string[]) => [...ids].sort();

describe('what re-runs after an edit', () => {
  const rt = runtime();
  const ran = async (doc: GraphDoc) => sorted((await rt.run(doc).done).ran);

  it('runs only what the output nodes need, then nothing for the same graph', async () => {
    const first = await rt.run(base()).done;
    expect(first.status).toBe('finished');
    expect(sorted(first.ran)).toEqual(['blend', 'load', 'noise', 'preview', 'save']); // not the unused prompt
    const again = await rt.run(base()).done;
    expect(again.ran).toEqual([]);
    expect(sorted(again.cached)).toEqual(['preview', 'save']);
    expect(again.stats).toEqual({ nodes: 6, ran: 0, cached: 2, failed: 0 });
  });

  it('a param change re-runs that node and its descendants (and the saver, which embeds the graph)', async () => {
    const d = base();
    d.nodes[2].params = { alpha: 0.75 };
    expect(await ran(d)).toEqual(['blend', 'preview', 'save']);
    const e = base();
    e.nodes[4].params = { cell: 48 };
    expect(await ran(e)).toEqual(['preview', 'save']);
  });

  it('an edit upstream re-runs the whole chain below it only', async () => {
    const d = base();
    d.nodes[1].params = { seed: 8, width: 32, height: 32 };
    expect(await ran(d)).toEqual(['blend', 'noise', 'preview', 'save']);
  });

  it('renaming or moving a node re-runs only the saver', async () => {
    await rt.run(base()).done;
    const d = base();
    d.nodes[1] = { ...d.nodes[1], id: 'noise-renamed', position: { x: 999, y: 1 } };
    d.edges[1] = { ...d.edges[1], source: 'noise-renamed' };
    expect(await ran(d)).toEqual(['save']);
  });

  it('adding a branch runs only the new nodes', async () => {
    await rt.run(base()).done;
    const d = base();
    d.nodes.push({ id: 'crop', type: 'resize-crop', params: { mode: 'crop', width: 16, height: 16, x: 4, y: 4 }, position: { x: 0, y: 0 } });
    d.nodes.push({ id: 'preview2', type: 'preview', params: {}, position: { x: 0, y: 0 } });
    d.edges.push({ id: 'x1', source: 'load', sourceHandle: 'images', target: 'crop', targetHandle: 'image' });
    d.edges.push({ id: 'x2', source: 'crop', sourceHandle: 'image', target: 'preview2', targetHandle: 'images' });
    expect(await ran(d)).toEqual(['crop', 'preview2', 'save']);
  });

  it('rewiring re-runs the rewired node and below', async () => {
    await rt.run(base()).done;
    const d = base();
    d.edges[0] = { ...d.edges[0], targetHandle: 'b' };
    d.edges[1] = { ...d.edges[1], targetHandle: 'a' };
    expect(await ran(d)).toEqual(['blend', 'preview', 'save']);
  });

  it('requesting one output runs only its ancestors', async () => {
    const d = base();
    d.nodes[5].params = { prefix: 'other' };
    const r = await rt.run(d, { outputs: ['prompt'] }).done;
    expect(r.ran).toEqual(['prompt']);
    expect(r.outputs.get('prompt')).toEqual({ prompt: { kind: 'prompt', text: 'a cat' } });
  });
});

describe('results', () => {
  it('loads PNG, JPEG and WebP into one [0,1] batch and saves PNGs that carry the graph', async () => {
    const r = await runtime().run(base()).done;
    const grid = r.outputs.get('preview')!.grid;
    expect(grid.kind).toBe('image');
    const files = r.outputs.get('save')!.files;
    if (files.kind !== 'files') throw new Error('expected files');
    expect(files.files.map((f) => f.name)).toEqual(['image-000.png', 'image-001.png', 'image-002.png']);
    const { graphTextFromPng } = await import('../nodes/image/png.ts');
    expect(JSON.parse(graphTextFromPng(files.files[0].bytes)!)).toEqual(base());
  });
});

describe('failures', () => {
  it('a throwing node fails alone; independent branches finish and dependants are blocked', async () => {
    const d = graph(
      [
        ['load', 'image-loader', { sources: [images.png], width: 32, height: 32 }],
        ['noise', 'seed-noise', { width: 16, height: 16 }],
        ['blend', 'blend'],
        ['save', 'save-image'],
        ['preview', 'preview'],
      ],
      [
        ['load', 'images', 'blend', 'a'],
        ['noise', 'image', 'blend', 'b'],
        ['blend', 'image', 'save', 'images'],
        ['noise', 'image', 'preview', 'images'],
      ],
    );
    const events: RunEvent[] = [];
    const r = await runtime().run(d, { onEvent: (e) => events.push(e) }).done;
    expect(r.status).toBe('finished');
    expect(r.nodeErrors.get('blend')).toMatch(/Blend needs images of one size, got 32×32×3 and 16×16×3/);
    expect(events).toContainEqual(expect.objectContaining({ type: 'node-error', nodeId: 'blend', reason: 'threw' }));
    expect(events).toContainEqual(expect.objectContaining({ type: 'node-error', nodeId: 'save', reason: 'blocked' }));
    expect(r.outputs.has('preview')).toBe(true);
    expect(r.outputs.has('save')).toBe(false);
    expect(r.stats).toEqual({ nodes: 5, ran: 3, cached: 0, failed: 2 });
  });

  it('a missing file is that loader error, naming the file', async () => {
    const d = graph([['load', 'image-loader', { sources: ['no/such.png'] }], ['p', 'preview']], [['load', 'images', 'p', 'images']]);
    const r = await runtime().run(d).done;
    expect(r.nodeErrors.get('load')).toMatch(/cannot read no\/such.png/);
  });

  it('an invalid graph runs nothing', async () => {
    const events: RunEvent[] = [];
    const r = await runtime().run(graph([['b', 'blend']], []), { onEvent: (e) => events.push(e) }).done;
    expect(r.status).toBe('invalid');
    expect(r.errors.map((e) => e.field)).toEqual(['inputs.a', 'inputs.b']);
    expect(events).toEqual([]);
  });
});

describe('events', () => {
  it('reports queued, running with progress, done, cached and the run around them', async () => {
    const rt = runtime();
    const d = graph([['noise', 'seed-noise', { width: 8, height: 8 }], ['p', 'preview']], [['noise', 'image', 'p', 'images']]);
    const events: RunEvent[] = [];
    await rt.run(d, { onEvent: (e) => events.push(e) }).done;
    const kinds = events.map((e) => ('nodeId' in e ? `${e.type}:${e.nodeId}` : e.type));
    expect(kinds[0]).toBe('run-started');
    expect(kinds.at(-1)).toBe('run-finished');
    expect(kinds).toContain('node-queued:noise');
    expect(events).toContainEqual(expect.objectContaining({ type: 'node-running', nodeId: 'noise', progress: { value: 8, max: 8 } }));
    expect(events.some((e) => e.type === 'node-running' && e.nodeId === 'p' && e.preview?.width)).toBe(true);
    expect(kinds.indexOf('node-done:noise')).toBeLessThan(kinds.indexOf('node-running:p'));
    const second: RunEvent[] = [];
    await rt.run(d, { onEvent: (e) => second.push(e) }).done;
    expect(second.map((e) => e.type)).toEqual(['run-started', 'node-cached', 'run-finished']);
  });
});

describe('cancellation', () => {
  // About 2 s of work on one core if left alone.
  const slowDoc = () =>
    graph([['noise', 'seed-noise', { width: 2048, height: 2048, channels: 8 }], ['p', 'preview']], [['noise', 'image', 'p', 'images']]);

  it('cancelling a node stops its loop within 250 ms and caches nothing of it', async () => {
    const store = memoryStore();
    const rt = runtime({ persistent: store });
    const d = slowDoc();
    let cancelledAt = 0;
    let errorAt = 0;
    const handle = rt.run(d, {
      onEvent: (e) => {
        if (e.type === 'node-running' && e.progress && !cancelledAt && e.progress.value > 50) {
          cancelledAt = performance.now();
          handle.cancelNode('noise');
        }
        if (e.type === 'node-error' && e.nodeId === 'noise') errorAt = performance.now();
      },
    });
    const r = await handle.done;
    expect(r.nodeErrors.get('noise')).toBe('cancelled');
    expect(r.nodeErrors.get('p')).toMatch(/not run/);
    expect(errorAt - cancelledAt).toBeLessThan(250);
    const key = cacheKeys(d, indexGraph(d), registry).get('noise')!;
    expect(rt.memory.has(key)).toBe(false);
    expect(await store.has(key)).toBe(false);
    expect(store.size).toBe(0);
  });

  it('cancelling the run ends it with run-cancelled', async () => {
    const events: RunEvent[] = [];
    const handle = runtime().run(slowDoc(), { onEvent: (e) => events.push(e) });
    setTimeout(() => handle.cancel(), 100);
    const t = performance.now();
    const r = await handle.done;
    expect(performance.now() - t).toBeLessThan(400);
    expect(r.status).toBe('cancelled');
    expect(events.at(-1)?.type).toBe('run-cancelled');
  });
});

describe('persistent cache', () => {
  it('a second runtime (a reload, a second CLI run) reuses persisted latents from files', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'runtime-store-'));
    const d = graph(
      [['noise', 'seed-noise', { seed: 3, width: 16, height: 16 }], ['p', 'preview']],
      [['noise', 'image', 'p', 'images']],
    );
    const first = await runtime({ persistent: fileStore(dir) }).run(d).done;
    expect(sorted(first.ran)).toEqual(['noise', 'p']);
    const second = await runtime({ persistent: fileStore(dir), memory: new MemoryCache() }).run(d).done;
    // The preview is cheap and lives in memory only; the noise latent came back from disk.
    expect(second.ran).toEqual(['p']);
    expect(second.cached).toEqual(['noise']);
    const a = first.outputs.get('p')!.grid;
    const b = second.outputs.get('p')!.grid;
    if (a.kind !== 'image' || b.kind !== 'image') throw new Error('expected images');
    expect(b.tensor.data).toEqual(a.tensor.data);
  });

  it('a persisted value that turns out unreadable is recomputed, not served', async () => {
    const store = memoryStore();
    const d = graph([['noise', 'seed-noise', { seed: 4, width: 8, height: 8 }], ['p', 'preview']], [['noise', 'image', 'p', 'images']]);
    await runtime({ persistent: store }).run(d).done;
    const key = cacheKeys(d, indexGraph(d), registry).get('noise')!;
    await store.set(key, new Uint8Array([1, 2, 3]));
    const r = await runtime({ persistent: store }).run(d).done;
    expect(sorted(r.ran)).toEqual(['noise', 'p']);
    expect(r.stats.failed).toBe(0);
  });
});
