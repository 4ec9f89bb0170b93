// A queue worker: takes node jobs from BullMQ, reads their inputs from the shared store, runs the
// node on an injected executor (a pool of worker threads in the CLI, so a heavy node never
// starves BullMQ's lock renewal on this thread), writes the outputs back and commits the key.
// Delivery is at least once: a job that finds its key already committed returns that result and
// computes nothing, so a duplicate or a retry after a crash is harmless.
import { hostname } from 'node:os';
import { QueueEvents, UnrecoverableError, Worker, type Job as BullJob } from 'bullmq';
import { decodeValue, encodeValue } from '../cache/encode.ts';
import { JobError, type Executor, type JobInputs } from '../executor.ts';
import type { GraphDoc } from '../document/schema.ts';
import type { NodeOutputs, PortValue } from '../values.ts';
import { CANCEL_EVENT, NodeJobSchema, QUEUE_NAME, type NodeJob, type NodeResult, type ObjectRef } from './protocol.ts';
import type { SharedStore } from './store.ts';

export interface QueueWorkerOptions {
  redisUrl: string;
  store: SharedStore;
  /** Runs the nodes; its own concurrency should match `concurrency`. */
  executor: Executor;
  concurrency: number;
  /** How long a job's lock lasts without renewal: after a crash, the job is taken up again
   * within about this long. */
  lockMs?: number;
  /** Upper bound on any node's run time, whatever the job asks. */
  maxNodeMs?: number;
  queueName?: string;
  log?: (line: string) => void;
}

export interface QueueWorker {
  readonly id: string;
  readonly stats: { computed: number; reused: number; failed: number };
  ready(): Promise<void>;
  close(): Promise<void>;
}

/** Progress goes to Redis; a few updates a second are plenty. */
const PROGRESS_INTERVAL_MS = 200;

export function startQueueWorker(options: QueueWorkerOptions): QueueWorker {
  const { store, executor } = options;
  const queueName = options.queueName ?? QUEUE_NAME;
  const lockMs = options.lockMs ?? 30_000;
  const id = `${hostname()}:${process.pid}`;
  const log = options.log ?? (() => {});
  const stats = { computed: 0, reused: 0, failed: 0 };
  const connection = { url: options.redisUrl };

  const load = async (ref: ObjectRef, what: string): Promise<unknown> => {
    const bytes = await store.get(ref.object);
    // Retried: on a shared mount a file just written elsewhere can take a moment to appear here.
    if (!bytes) throw new Error(`${what} is missing from the store (object ${ref.object.slice(0, 12)})`);
    const value = decodeValue<Record<string, unknown>>(bytes);
    if (ref.port === undefined) return value;
    if (!(ref.port in value)) throw new UnrecoverableError(`${what}: object ${ref.object.slice(0, 12)} has no port "${ref.port}"`);
    return value[ref.port];
  };

  async function processJob(job: BullJob, _token?: string, signal?: AbortSignal): Promise<NodeResult> {
    const parsed = NodeJobSchema.safeParse(job.data);
    if (!parsed.success) throw new UnrecoverableError(`job ${job.id} is not a node job: ${parsed.error.issues[0]?.message}`);
    const data: NodeJob = parsed.data;
    const began = performance.now();
    if (data.key) {
      const done = await store.manifest(data.key);
      if (done) {
        stats.reused++;
        return { object: done.object, reused: true, ms: 0, worker: id };
      }
    }
    const params = 'inline' in data.params ? data.params.inline : ((await load(data.params, 'params')) as Record<string, unknown>);
    const inputs: JobInputs = {};
    for (const [name, ref] of Object.entries(data.inputs)) {
      if (ref === null) inputs[name] = undefined;
      else if (Array.isArray(ref)) inputs[name] = (await Promise.all(ref.map((r) => load(r, `input ${name}`)))) as PortValue[];
      else inputs[name] = (await load(ref, `input ${name}`)) as PortValue;
    }
    const document = data.document ? ((await load(data.document, 'document')) as GraphDoc) : undefined;

    // A cancel may have come while the inputs were loading.
    if (signal?.aborted) throw new UnrecoverableError('cancelled');
    const ctrl = new AbortController();
    const onCancel = () => ctrl.abort();
    signal?.addEventListener('abort', onCancel, { once: true });
    const limit = Math.min(data.timeoutMs ?? Infinity, options.maxNodeMs ?? Infinity);
    let timedOut = false;
    const timer = Number.isFinite(limit)
      ? setTimeout(() => {
          timedOut = true;
          ctrl.abort();
        }, limit)
      : undefined;
    let last = 0;
    let outputs: NodeOutputs;
    try {
      ({ outputs } = await executor.execute(
        { nodeId: data.nodeId, nodeType: data.nodeType, params, inputs, document },
        {
          signal: ctrl.signal,
          onStart() {},
          onProgress(value, max) {
            const now = performance.now();
            if (value < max && now - last < PROGRESS_INTERVAL_MS) return;
            last = now;
            void job.updateProgress({ value, max }).catch(() => {});
          },
          onPreview() {},
        },
      ));
    } catch (e) {
      stats.failed++;
      const err = e instanceof JobError ? e : new JobError(e instanceof Error ? e.message : String(e), 'threw');
      if (timedOut) throw new UnrecoverableError(`timed out after ${(limit / 1000).toFixed(1)} s`);
      // An error in the graph (bad input, a node that throws) fails the same way every time;
      // a crashed thread (out of memory, a killed process) may pass on another try.
      if (err.reason === 'crashed') throw new Error(err.message);
      throw new UnrecoverableError(err.message);
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onCancel);
    }
    const bytes = encodeValue(outputs);
    const object = await store.put(bytes);
    const ms = performance.now() - began;
    // The commit point: from here on the key is served from the store, by any machine.
    if (data.key) await store.commit({ v: 1, key: data.key, object, bytes: bytes.byteLength, node: data.nodeType, ms: Math.round(ms) });
    stats.computed++;
    log(`done ${data.nodeId} (${data.nodeType}) ${ms.toFixed(0)} ms`);
    return { object, reused: false, ms, worker: id };
  }

  const worker = new Worker(queueName, processJob, {
    connection,
    concurrency: options.concurrency,
    // Recorded on each job it takes (processedBy), so an operator can tell who ran what.
    name: id,
    lockDuration: lockMs,
    stalledInterval: Math.max(500, Math.round(lockMs / 2)),
    // A job whose worker died is taken up again this many times before it fails.
    maxStalledCount: 3,
    autorun: true,
  });
  worker.on('error', (e) => log(`queue: ${e.message}`));
  worker.on('failed', (job, e) => log(`failed ${job?.data?.nodeId ?? job?.id}: ${e.message}`));
  // Cancellation reaches every worker; the one running the job aborts it.
  const events = new QueueEvents(queueName, { connection });
  events.on('error', (e) => log(`queue events: ${e.message}`));
  (events as unknown as { on(name: string, fn: (e: { jobId: string }) => void): void }).on(CANCEL_EVENT, ({ jobId }) => {
    if (worker.cancelJob(jobId, 'cancelled')) log(`cancelled ${jobId}`);
  });

  return {
    id,
    stats,
    async ready() {
      await Promise.all([worker.waitUntilReady(), events.waitUntilReady()]);
    },
    async close() {
      await Promise.all([worker.close(), events.close()]);
      await executor.dispose();
    },
  };
}
