// The submitting side of the queue, behind the Executor interface: the runtime's scheduler keeps
// owning the graph and hands this executor each node whose inputs are ready. Inputs go into the
// shared store (once: a value that came from the store is named by its object), the job record
// goes to BullMQ, and the outputs come back from the store.
//
// Events from Redis are fast but not guaranteed (a Redis restart drops the event stream's tail),
// so every pending job is also looked up directly now and then; a job Redis lost is added again
// under the same id. Together with the workers' commit-then-acknowledge this gives
// at-least-once delivery: duplicates may run, results are never lost.
import { randomBytes } from 'node:crypto';
import { Queue, QueueEvents, QueueEventsProducer, type JobsOptions } from 'bullmq';
import { decodeValue, encodeValue } from '../cache/encode.ts';
import { JobError, type Executor, type Job, type JobHooks, type JobResult } from '../executor.ts';
import type { NodeOutputs, PortValue } from '../values.ts';
import {
  CANCEL_EVENT,
  INLINE_PARAMS_BYTES,
  jobIdOf,
  NodeResultSchema,
  QUEUE_NAME,
  type NodeJob,
  type NodeResult,
  type ObjectRef,
} from './protocol.ts';
import type { SharedStore } from './store.ts';

export interface QueueExecutorOptions {
  redisUrl: string;
  store: SharedStore;
  queueName?: string;
  /** Tries per job for failures that may pass (a crashed worker thread); errors in the graph
   * are never retried. */
  attempts?: number;
  /** First retry delay; doubles on each further try. */
  backoffMs?: number;
  /** A node running longer than this fails (without retry). */
  nodeTimeoutMs?: number;
  /** How often pending jobs are looked up directly, besides the event stream. */
  pollMs?: number;
}

export interface QueueExecutorStats {
  /** Jobs added to the queue. */
  sent: number;
  /** Jobs added again because Redis had lost them. */
  resent: number;
  /** Jobs a worker answered from a committed result, computing nothing. */
  reused: number;
}

export interface QueueExecutor extends Executor {
  readonly stats: QueueExecutorStats;
  /** Resolves once connected and listening, so no event of a first job is missed. */
  ready(): Promise<void>;
}

interface Pending {
  jobId: string;
  data: NodeJob;
  /** Everyone waiting for this job: two nodes with one cache key in one run share it. */
  watchers: Set<JobHooks>;
  started: boolean;
  result: Promise<NodeResult>;
  settle(result: NodeResult | JobError): void;
}

export function queueExecutor(options: QueueExecutorOptions): QueueExecutor {
  const { store } = options;
  const queueName = options.queueName ?? QUEUE_NAME;
  // Commands wait for Redis to come back rather than fail: a restart must not fail a run.
  const connection = { url: options.redisUrl, maxRetriesPerRequest: null };
  const instance = randomBytes(4).toString('hex');
  const jobOptions: JobsOptions = {
    attempts: options.attempts ?? 4,
    backoff: { type: 'exponential', delay: options.backoffMs ?? 1000 },
    // Results live in the store; the records only need to outlast the run that reads them.
    removeOnComplete: { age: 3600, count: 10_000 },
    removeOnFail: { age: 24 * 3600, count: 10_000 },
  };
  const stats: QueueExecutorStats = { sent: 0, resent: 0, reused: 0 };
  const queue = new Queue(queueName, { connection });
  const events = new QueueEvents(queueName, { connection });
  const producer = new QueueEventsProducer(queueName, { connection });
  // Connection trouble is retried by the clients; a listener keeps it from being thrown.
  queue.on('error', () => {});
  events.on('error', () => {});
  producer.on('error', () => {});
  const pending = new Map<string, Pending>();
  /** Where values that came from the store live, so they are not written again as inputs. */
  const known = new WeakMap<object, ObjectRef>();
  const documents = new WeakMap<object, Promise<ObjectRef>>();
  const ready = Promise.all([queue.waitUntilReady(), events.waitUntilReady()]).then(() => {});

  const onResult = (jobId: string, value: unknown) => {
    const p = pending.get(jobId);
    const parsed = NodeResultSchema.safeParse(typeof value === 'string' ? safeJson(value) : value);
    p?.settle(parsed.success ? parsed.data : new JobError(`job ${jobId} returned no result object`, 'crashed'));
  };
  events.on('active', ({ jobId }) => {
    const p = pending.get(jobId);
    if (p && !p.started) {
      p.started = true;
      for (const w of p.watchers) w.onStart();
    }
  });
  events.on('progress', ({ jobId, data }) => {
    const d = data as { value?: unknown; max?: unknown };
    if (typeof d?.value === 'number' && typeof d.max === 'number') for (const w of pending.get(jobId)?.watchers ?? []) w.onProgress(d.value, d.max);
  });
  events.on('completed', ({ jobId, returnvalue }) => onResult(jobId, returnvalue));
  events.on('failed', ({ jobId, failedReason }) => pending.get(jobId)?.settle(new JobError(failedReason, 'threw')));

  // The safety net under the event stream.
  let polling = false;
  const poll = async () => {
    if (polling || !pending.size) return;
    polling = true;
    try {
      for (const p of [...pending.values()]) {
        const job = await queue.getJob(p.jobId);
        if (!pending.has(p.jobId)) continue;
        if (!job) {
          stats.resent++;
          await queue.add(p.data.nodeType, p.data, { ...jobOptions, jobId: p.jobId });
          continue;
        }
        const state = await job.getState();
        if (state === 'completed') {
          // Read again: the job may have completed after the first read, without its result.
          const fresh = await queue.getJob(p.jobId);
          if (fresh?.returnvalue != null) onResult(p.jobId, fresh.returnvalue);
        }
        else if (state === 'failed') p.settle(new JobError(job.failedReason || 'failed', 'threw'));
      }
    } catch {
      // Redis is away; the next tick tries again.
    } finally {
      polling = false;
    }
  };
  const timer = setInterval(() => void poll(), options.pollMs ?? 1000);
  timer.unref();

  const refOf = async (value: PortValue): Promise<ObjectRef> => {
    const ref = known.get(value);
    if (ref) return ref;
    const made = { object: await store.put(encodeValue(value)) };
    known.set(value, made);
    return made;
  };

  async function submit(job: Job, hooks: JobHooks): Promise<NodeOutputs> {
    await ready;
    const inputs: NodeJob['inputs'] = {};
    for (const [name, v] of Object.entries(job.inputs)) {
      if (v === undefined) inputs[name] = null;
      else inputs[name] = Array.isArray(v) ? await Promise.all(v.map(refOf)) : await refOf(v);
    }
    const paramsJson = JSON.stringify(job.params);
    const params: NodeJob['params'] =
      paramsJson.length <= INLINE_PARAMS_BYTES ? { inline: job.params } : { object: await store.put(encodeValue(job.params)) };
    let document: ObjectRef | undefined;
    if (job.document) {
      let p = documents.get(job.document);
      if (!p) documents.set(job.document, (p = store.put(encodeValue(job.document)).then((object) => ({ object }))));
      document = await p;
    }
    const key = job.cacheKey ?? null;
    const data: NodeJob = {
      v: 1,
      run: job.runId ?? 'run',
      nodeId: job.nodeId,
      nodeType: job.nodeType,
      params,
      key,
      inputs,
      document,
      timeoutMs: options.nodeTimeoutMs,
    };
    const jobId = jobIdOf(`${instance}-${job.runId ?? 'run'}`, key ?? `node-${job.nodeId}`);
    if (hooks.signal.aborted) throw new JobError('cancelled', 'cancelled');

    let entry = pending.get(jobId);
    if (!entry) {
      let resolve!: (r: NodeResult) => void;
      let reject!: (e: JobError) => void;
      const result = new Promise<NodeResult>((res, rej) => ((resolve = res), (reject = rej)));
      result.catch(() => {}); // its watchers may all have gone
      const made: Pending = {
        jobId,
        data,
        watchers: new Set(),
        started: false,
        result,
        settle(r) {
          if (pending.get(jobId) !== made) return;
          pending.delete(jobId);
          if (r instanceof JobError) reject(r);
          else resolve(r);
        },
      };
      entry = made;
      pending.set(jobId, made);
      stats.sent++;
      // If Redis is away the add fails; the job is then missing and poll() adds it again.
      queue.add(job.nodeType, data, { ...jobOptions, jobId }).catch(() => {});
    } else if (entry.started) hooks.onStart();
    const shared = entry;
    shared.watchers.add(hooks);
    const result = await new Promise<NodeResult>((resolve, reject) => {
      const onAbort = () => {
        shared.watchers.delete(hooks);
        reject(new JobError('cancelled', 'cancelled'));
        if (shared.watchers.size) return;
        // Nobody waits any more: waiting jobs are removed, a running one is stopped by its worker.
        shared.settle(new JobError('cancelled', 'cancelled'));
        void queue.remove(jobId).catch(() => {});
        void producer.publishEvent({ eventName: CANCEL_EVENT, jobId }).catch(() => {});
      };
      hooks.signal.addEventListener('abort', onAbort, { once: true });
      shared.result
        .then(resolve, reject)
        .finally(() => {
          hooks.signal.removeEventListener('abort', onAbort);
          shared.watchers.delete(hooks);
        });
    });
    if (result.reused) stats.reused++;
    const bytes = await store.get(result.object);
    if (!bytes) throw new JobError(`the outputs of ${job.nodeId} are missing from the store (object ${result.object.slice(0, 12)}); run again`, 'crashed');
    const outputs = decodeValue<NodeOutputs>(bytes);
    for (const [port, value] of Object.entries(outputs)) known.set(value, { object: result.object, port });
    return outputs;
  }

  return {
    lends: false,
    stats,
    ready: () => ready,
    async execute(job, hooks): Promise<JobResult> {
      return { outputs: await submit(job, hooks) };
    },
    async dispose() {
      clearInterval(timer);
      for (const p of [...pending.values()]) p.settle(new JobError('the queue connection is closed', 'cancelled'));
      await Promise.all([queue.close(), events.close(), producer.close()]);
    },
  };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
