// The queue against a real Redis (Debian's redis-server, started here on a free port with an
// append-only file) and real worker processes: same bytes as a local run, nothing lost when a
// worker or Redis is killed with SIGKILL, corrupt objects recomputed, failures kept to their graph.
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBatch } from '../batch/run-batch.ts';
import { expandVariants } from '../batch/variants.ts';
import { encodeValue } from '../cache/encode.ts';
import { cacheKeys } from '../cache-keys.ts';
import { indexGraph } from '../graph.ts';
import { runGraphCli } from '../cli/graph-cli.ts';
import { runBatchCli } from '../cli/batch-cli.ts';
import { inProcessExecutor } from '../in-process.ts';
import { nodePlatform } from '../node/platform.ts';
import { createRuntime, type RunResult } from '../scheduler.ts';
import { graph } from '../testing/fixtures.ts';
import type { NodeOutputs } from '../values.ts';
import { queueRuntimeParts } from './host.ts';
import { QUEUE_NAME } from './protocol.ts';
import { sha256 } from './store.ts';
import { registry } from './testing/queue-registry.ts';
import { redisAvailable, startRedis, type RedisServer } from './testing/redis-server.ts';
import { startWorkerProcess, type WorkerProcess } from './testing/worker-process.ts';

const available = redisAvailable();
if (!available && !process.env.CI) console.warn('queue tests skipped: no redis-server (apt-get install redis-server); with CI set they fail');

/** noise → sleep → blend (with noise) → save: built-in image nodes and one slow test node. */
const chain = (sleepMs: number, value = 1) =>
  graph(
    [
      ['noise', 'seed-noise', { seed: 7, width: 16, height: 16 }],
      ['sleep', 'test/sleep', { ms: sleepMs, value }],
      ['blend', 'blend', { alpha: 0.25 }],
      ['save', 'save-image', { prefix: 'q' }],
    ],
    [
      ['noise', 'image', 'sleep', 'image'],
      ['noise', 'image', 'blend', 'a'],
      ['sleep', 'image', 'blend', 'b'],
      ['blend', 'image', 'save', 'images'],
    ],
  );

const hashes = (outputs: ReadonlyMap<string, NodeOutputs>) =>
  Object.fromEntries([...outputs].map(([id, out]) => [id, sha256(encodeValue(out))]));

async function localRun(doc: ReturnType<typeof chain>, outputs?: string[]): Promise<RunResult> {
  const runtime = createRuntime({ registry, executor: inProcessExecutor(registry, nodePlatform()) });
  return runtime.run(doc, { outputs }).done;
}

describe.skipIf(!available && !process.env.CI)('queue on Redis with worker processes', () => {
  let redis: RedisServer;
  let dir: string;
  let storeDir: string;
  const workers: WorkerProcess[] = [];
  const parts = () => queueRuntimeParts({ redisUrl: redis.url, storeDir, pollMs: 300, backoffMs: 200 });
  const runtimeOn = (p: ReturnType<typeof parts>) => createRuntime({ registry, executor: p.executor, persistent: p.persistent, persistAll: true });
  const addWorker = async () => {
    const w = await startWorkerProcess({ redisUrl: redis.url, storeDir, lockMs: 1500, baseDir: dir });
    workers.push(w);
    return w;
  };

  beforeAll(async () => {
    if (!available) throw new Error('redis-server is required when CI is set: apt-get install redis-server');
    dir = await mkdtemp(join(tmpdir(), 'queue-test-'));
    storeDir = join(dir, 'store');
    redis = await startRedis();
    await Promise.all([addWorker(), addWorker()]);
  }, 180_000);

  afterAll(async () => {
    await Promise.all(workers.map((w) => w.kill()));
    await redis?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('a graph run through the queue writes byte-identical outputs to a local run', async () => {
    const doc = graph(
      [
        ['noise', 'seed-noise', { seed: 11, width: 24, height: 24 }],
        ['noise2', 'seed-noise', { seed: 12, width: 24, height: 24 }],
        ['blend', 'blend', { alpha: 0.4 }],
        ['preview', 'preview', { cell: 24 }],
        ['save', 'save-image', { prefix: 'mix' }],
      ],
      [['noise', 'image', 'blend', 'a'], ['noise2', 'image', 'blend', 'b'], ['blend', 'image', 'save', 'images'], ['noise', 'image', 'preview', 'images']],
    );
    await writeFile(join(dir, 'graph.json'), JSON.stringify(doc));
    const io = { stdout: () => {}, stderr: () => {}, tty: false, cwd: dir };
    expect(await runGraphCli(['graph.json', '--workers', '0', '--no-cache', '--out', 'local'], io)).toBe(0);
    let text = '';
    const queued = await runGraphCli(['graph.json', '--queue', redis.url, '--store', 'store', '--out', 'queued'], { ...io, stdout: (s) => (text += s) });
    expect(queued, text).toBe(0);
    expect(text).toContain('nodes: 5, ran: 5, cached: 0, failed: 0');
    const files = (await readdir(join(dir, 'local'))).sort();
    expect(files).toEqual(['mix-000.png', 'preview-grid.png']);
    expect((await readdir(join(dir, 'queued'))).sort()).toEqual(files);
    for (const f of files) expect(Buffer.compare(await readFile(join(dir, 'local', f)), await readFile(join(dir, 'queued', f))), f).toBe(0);
    // Run again: every key is committed, so nothing is sent to the workers.
    text = '';
    await runGraphCli(['graph.json', '--queue', redis.url, '--store', 'store', '--out', 'again'], { ...io, stdout: (s) => (text += s) });
    expect(text).toContain('ran: 0, cached: 2, failed: 0');
  });

  it('kill -9 of the worker running a node: another worker takes the job up, same output hashes', async () => {
    const doc = chain(2500, 2);
    const expected = hashes((await localRun(doc)).outputs);
    const p = parts();
    const queue = new Queue(QUEUE_NAME, { connection: { url: redis.url } });
    try {
      let running!: () => void;
      const sleeping = new Promise<void>((r) => (running = r));
      const handle = runtimeOn(p).run(doc, { onEvent: (e) => e.type === 'node-running' && e.nodeId === 'sleep' && running() });
      await sleeping;
      const active = (await queue.getActive()).find((j) => j.data.nodeId === 'sleep');
      const pid = Number(active?.processedBy?.split(':').at(-1));
      const victim = workers.find((w) => w.pid === pid);
      expect(victim, `job run by ${active?.processedBy}`).toBeDefined();
      await victim!.kill();
      workers.splice(workers.indexOf(victim!), 1);
      const result = await handle.done;
      expect([...result.nodeErrors]).toEqual([]);
      expect(hashes(result.outputs)).toEqual(expected);
      const job = await queue.getJob(active!.id!);
      expect(job?.processedBy).not.toBe(active!.processedBy);
    } finally {
      await queue.close();
      await p.executor.dispose();
      // The tests after this one run on the surviving worker.
    }
  });

  it('kill -9 of Redis during a batch and a restart on the same port and folder: every graph completes', async () => {
    const doc = chain(300);
    const variants = expandVariants([{ nodeId: 'sleep', param: 'value', values: [1, 2, 3, 4, 5, 6].map((v) => ({ value: v + 100, label: String(v) })) }], []);
    const p = parts();
    try {
      let firstDone!: () => void;
      const oneDone = new Promise<void>((r) => (firstDone = r));
      const batch = runBatch(runtimeOn(p), registry, doc, variants, { parallel: 6, onUpdate: (s) => s.status === 'done' && firstDone() });
      await oneDone;
      await redis.kill();
      await new Promise((r) => setTimeout(r, 700));
      await redis.restart();
      const states = await batch.done;
      expect(states.map((s) => [s.status, s.errors])).toEqual(variants.map(() => ['done', []]));
      for (const s of states) {
        const value = s.variant.assignments[0].value as number;
        const local = await localRun(chain(0, value), ['sleep']);
        expect(s.result!.outputs.get('sleep')!.metrics).toEqual(local.outputs.get('sleep')!.metrics);
      }
    } finally {
      await p.executor.dispose();
    }
  });

  it('a corrupt object in the store is found on read, deleted, and its node computed again', async () => {
    const doc = chain(0, 9);
    const first = await runtimeOn(parts()).run(doc).done;
    expect(first.nodeErrors.size).toBe(0);
    const p = parts();
    // The save node's committed result: flip one byte of its object.
    const key = cacheKeys(doc, indexGraph(doc), registry).get('save')!;
    const manifest = JSON.parse(await readFile(join(storeDir, 'manifests', key.slice(0, 2), `${key}.json`), 'utf8'));
    const path = join(storeDir, 'objects', manifest.object.slice(0, 2), manifest.object);
    const bytes = await readFile(path);
    bytes[bytes.length >> 1] ^= 0xff;
    await writeFile(path, bytes);
    const second = await runtimeOn(p).run(doc).done;
    await p.executor.dispose();
    expect(p.store.corrupt).toBe(1);
    expect(second.ran).toEqual(['save']);
    expect(hashes(second.outputs)).toEqual(hashes(first.outputs));
  });

  it('a node that always fails fails its graph alone; the batch reports the others, without retrying it', async () => {
    const doc = graph(
      [
        ['noise', 'seed-noise', { seed: 3, width: 8, height: 8 }],
        ['fail', 'test/fail', { fail: false }],
        ['sleep', 'test/sleep', { ms: 0 }],
      ],
      [['noise', 'image', 'fail', 'image'], ['fail', 'image', 'sleep', 'image']],
    );
    await writeFile(join(dir, 'fails.json'), JSON.stringify(doc));
    let text = '';
    const io = { stdout: (s: string) => (text += s), stderr: (s: string) => (text += s), tty: false, cwd: dir };
    const code = await runBatchCli(
      ['fails.json', '--each', 'fail.fail=false,true,false', '--grid', 'sleep.value=[1,2]', '--queue', redis.url, '--store', 'store', '--out', 'batch'],
      io,
      { registry },
    );
    expect(code, text).toBe(1);
    expect(text).toContain('graphs: 6, done: 4, failed: 2, cancelled: 0');
    const csv = (await readFile(join(dir, 'batch', 'results.csv'), 'utf8')).trim().split('\n');
    expect(csv[0]).toBe('graph,status,fail.fail,sleep.value,sleep/value,sleep/score,seconds,error');
    expect(csv.map((l) => l.split(',').slice(0, 4).join(','))).toEqual([
      'graph,status,fail.fail,sleep.value',
      '1,done,false,1',
      '2,done,false,2',
      '3,failed,true,1',
      '4,failed,true,2',
      '5,done,false,1',
      '6,done,false,2',
    ]);
    expect(csv[3]).toMatch(/fail: this node always fails$/);
    const queue = new Queue(QUEUE_NAME, { connection: { url: redis.url } });
    const failed = (await queue.getFailed()).filter((j) => j.data.nodeType === 'test/fail');
    await queue.close();
    expect(failed.length).toBeGreaterThan(0);
    for (const j of failed) expect(j.attemptsMade).toBe(1);
  });

  it('two nodes with one cache key in one run share one job', async () => {
    const p = parts();
    const doc = graph(
      [
        ['noise', 'seed-noise', { seed: 77, width: 8, height: 8 }],
        ['a', 'test/sleep', { ms: 200, value: 5 }],
        ['b', 'test/sleep', { ms: 200, value: 5 }],
      ],
      [['noise', 'image', 'a', 'image'], ['noise', 'image', 'b', 'image']],
    );
    const result = await runtimeOn(p).run(doc).done;
    await p.executor.dispose();
    expect(result.ran.sort()).toEqual(['a', 'b', 'noise']);
    expect(p.executor.stats.sent).toBe(2);
    expect(hashes(new Map([['x', result.outputs.get('a')!]]))).toEqual(hashes(new Map([['x', result.outputs.get('b')!]])));
  });

  it('a crash that may pass is retried with back-off, and the run completes', async () => {
    const p = parts();
    const doc = graph([['flaky', 'test/flaky', { marker: join(dir, 'flaky-marker') }]], []);
    const result = await runtimeOn(p).run(doc).done;
    await p.executor.dispose();
    expect([...result.nodeErrors]).toEqual([]);
    expect(result.outputs.get('flaky')?.value).toEqual({ kind: 'scalar', value: 1 });
    const queue = new Queue(QUEUE_NAME, { connection: { url: redis.url } });
    const job = (await queue.getCompleted()).find((j) => j.data.nodeType === 'test/flaky');
    await queue.close();
    expect(job?.attemptsMade).toBe(2);
  });

  it('a node over its time limit fails without retry; a cancelled run stops its job on the worker', async () => {
    const p = queueRuntimeParts({ redisUrl: redis.url, storeDir, pollMs: 300, nodeTimeoutMs: 400 });
    const timed = await runtimeOn(p).run(chain(5000, 31)).done;
    expect(timed.nodeErrors.get('sleep')).toBe('timed out after 0.4 s');
    await p.executor.dispose();

    const q = parts();
    let running!: () => void;
    const sleeping = new Promise<void>((r) => (running = r));
    const handle = runtimeOn(q).run(chain(20_000, 32), { onEvent: (e) => e.type === 'node-running' && e.nodeId === 'sleep' && running() });
    await sleeping;
    const t0 = performance.now();
    handle.cancel();
    const result = await handle.done;
    expect(result.status).toBe('cancelled');
    expect(performance.now() - t0).toBeLessThan(1000);
    await q.executor.dispose();
    // The worker aborts the node: its job fails as cancelled long before the 20 s are up.
    const queue = new Queue(QUEUE_NAME, { connection: { url: redis.url } });
    try {
      for (let i = 0; i < 50; i++) {
        const job = (await queue.getFailed()).find((j) => j.data.nodeType === 'test/sleep' && j.data.params.inline.value === 32);
        if (job) {
          expect(job.failedReason).toBe('cancelled');
          return;
        }
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error('the cancelled job is still running on its worker');
    } finally {
      await queue.close();
    }
  });
});
