// `npm run bench:scale`: the queue's three numbers, on a Redis and worker processes it starts.
//   1. queue overhead per node job: jobs per second with no-op nodes, beside the same nodes run
//      in-process (the peer measured in the same run)
//   2. speed-up of a batch of fixed-work graphs with 2 worker processes over 1 (at most 2× on a
//      2-core machine), and the efficiency that is (speed-up / 2)
//   3. the same batch again: served from the shared store, near zero compute
// Everything runs in temporary folders; nothing in the repository changes.
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { runBatch } from '../runtime/batch/run-batch.ts';
import { expandVariants } from '../runtime/batch/variants.ts';
import { createRuntime, inProcessExecutor, type GraphDoc } from '../runtime/index.ts';
import { nodePlatform } from '../runtime/node/index.ts';
import { queueRuntimeParts } from '../runtime/queue/host.ts';
import { registry } from '../runtime/queue/testing/queue-registry.ts';
import { redisAvailable, startRedis } from '../runtime/queue/testing/redis-server.ts';
import { startWorkerProcess, type WorkerProcess } from '../runtime/queue/testing/worker-process.ts';
import { graph } from '../runtime/testing/fixtures.ts';

if (!redisAvailable()) {
  console.error('bench:scale needs Debian\'s redis-server (apt-get install redis-server)');
  process.exit(1);
}

const NOOP_JOBS = 200;
const GRAPHS = 8;
/** Iterations of the test/work hash loop per graph; about a quarter second of one core. */
const WORK = 40_000_000;

const noops = (offset: number): GraphDoc => graph(Array.from({ length: NOOP_JOBS }, (_, i) => [`n${i}`, 'test/noop', { n: offset + i }] as [string, string, Record<string, unknown>]), []);
const work = graph([['work', 'test/work', { iterations: WORK }]], []);

const redis = await startRedis();
const root = await mkdtemp(join(tmpdir(), 'bench-scale-'));
const workers: WorkerProcess[] = [];
const spawnWorkers = async (n: number, storeDir: string, concurrency = 1) => {
  const started = await Promise.all(Array.from({ length: n }, () => startWorkerProcess({ redisUrl: redis.url, storeDir, concurrency, lockMs: 30_000 })));
  workers.push(...started);
  return started;
};
const stopAll = async () => {
  await Promise.all(workers.splice(0).map((w) => w.stop()));
};

async function onQueue<T>(storeDir: string, fn: (rt: ReturnType<typeof createRuntime>, parts: ReturnType<typeof queueRuntimeParts>) => Promise<T>) {
  const parts = queueRuntimeParts({ redisUrl: redis.url, storeDir });
  await parts.executor.ready();
  try {
    return await fn(createRuntime({ registry, executor: parts.executor, persistent: parts.persistent, persistAll: true }), parts);
  } finally {
    await parts.executor.dispose();
  }
}

async function batchSeconds(storeDir: string, seedOffset: number) {
  const variants = expandVariants([{ nodeId: 'work', param: 'seed', values: Array.from({ length: GRAPHS }, (_, i) => ({ value: seedOffset + i, label: String(i) })) }], []);
  return onQueue(storeDir, async (rt, parts) => {
    const t = performance.now();
    const states = await runBatch(rt, registry, work, variants, { parallel: GRAPHS }).done;
    const s = (performance.now() - t) / 1000;
    const failed = states.filter((x) => x.status !== 'done');
    if (failed.length) throw new Error(`graphs failed: ${failed.map((f) => f.errors.join('; ')).join(' | ')}`);
    return { seconds: s, sent: parts.executor.stats.sent, ran: states.reduce((n, x) => n + x.result!.stats.ran, 0) };
  });
}

try {
  console.log(`load average at start: ${loadavg().map((l) => l.toFixed(1)).join(', ')} (2 cores, shared)`);

  // 1. Overhead per job.
  const local = createRuntime({ registry, executor: inProcessExecutor(registry, nodePlatform()) });
  await local.run(noops(-1000)).done;
  let t = performance.now();
  await local.run(noops(-2000)).done;
  const localMs = (performance.now() - t) / NOOP_JOBS;
  await spawnWorkers(1, join(root, 'noop'), 2);
  await onQueue(join(root, 'noop'), (rt) => rt.run(noops(0)).done); // warm up: connections, threads, JIT
  const queueRun = await onQueue(join(root, 'noop'), async (rt) => {
    t = performance.now();
    const r = await rt.run(noops(10_000)).done;
    if (r.stats.ran !== NOOP_JOBS) throw new Error(`expected ${NOOP_JOBS} jobs, ran ${r.stats.ran}: ${JSON.stringify(r.stats)} ${[...r.nodeErrors].slice(0, 3).join(" | ")}`);
    return (performance.now() - t) / 1000;
  });
  await stopAll();
  const jobsPerSecond = NOOP_JOBS / queueRun;

  // 2. The batch on one worker process, then on two (fresh stores, so each computes everything).
  await spawnWorkers(1, join(root, 'one'));
  await batchSeconds(join(root, 'one'), 1_000_000); // warm up
  const one = await batchSeconds(join(root, 'one'), 0);
  await stopAll();
  await spawnWorkers(2, join(root, 'two'));
  await batchSeconds(join(root, 'two'), 2_000_000);
  const two = await batchSeconds(join(root, 'two'), 0);
  // 3. Again: every key is committed, so nothing is sent.
  const again = await batchSeconds(join(root, 'two'), 0);
  await stopAll();

  const speedup = one.seconds / two.seconds;
  console.log('');
  console.log('| measure | value |');
  console.log('| --- | --- |');
  console.log(`| no-op node jobs per second (1 worker process, 2 threads) | ${jobsPerSecond.toFixed(0)} (${((queueRun * 1000) / NOOP_JOBS).toFixed(2)} ms per job; in-process ${localMs.toFixed(3)} ms per node) |`);
  console.log(`| batch of ${GRAPHS} fixed-work graphs, 1 worker process | ${one.seconds.toFixed(2)} s |`);
  console.log(`| same batch, 2 worker processes | ${two.seconds.toFixed(2)} s |`);
  console.log(`| speed-up 2 over 1 (at most 2×) | ${speedup.toFixed(2)}× (efficiency ${((speedup / 2) * 100).toFixed(0)}%) |`);
  console.log(`| re-run of the batch from the store | ${again.seconds.toFixed(3)} s, ${again.sent} jobs sent, ${again.ran} nodes run (${((again.seconds / two.seconds) * 100).toFixed(1)}% of the computed run) |`);
  console.log(`\nload average at end: ${loadavg().map((l) => l.toFixed(1)).join(', ')}`);
} finally {
  await stopAll();
  await redis.stop();
  await rm(root, { recursive: true, force: true });
}
