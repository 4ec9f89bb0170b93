// A pool of workers behind the Executor interface. Jobs queue until a worker is free; inputs
// move to the worker by transfer and come back with the result. A worker that crashes (throws
// outside a node, exits, runs out of memory) fails the job it was running with that message and
// is replaced; a job that ignores cancellation is ended by terminating its worker.
import { proxy, transfer, type Remote } from 'comlink';
import type { ExecutorApi, WorkerEvent } from './worker-api.ts';
import { JobError, type Executor, type Job, type JobHooks, type JobResult } from './executor.ts';
import { transferablesOf } from './values.ts';

export interface WorkerHandle {
  api: Remote<ExecutorApi>;
  /** Called once if the worker dies, with why. */
  onCrash(fn: (message: string) => void): void;
  terminate(): void;
}

export type WorkerFactory = () => WorkerHandle;

export interface PoolOptions {
  size: number;
  /** How long a cancelled job may take to notice before its worker is terminated. */
  cancelGraceMs?: number;
}

interface Queued {
  job: Job;
  hooks: JobHooks;
  resolve(r: JobResult): void;
  reject(e: unknown): void;
}

interface Slot {
  handle: WorkerHandle;
  current?: { jobId: number; entry: Queued };
  dead: boolean;
  crashed: Promise<string>;
}

export interface PoolStats {
  jobs: number;
  crashes: number;
  /** Workers terminated because a cancelled job did not stop in time. */
  killed: number;
}

export interface WorkerPool extends Executor {
  readonly size: number;
  readonly stats: PoolStats;
}

export function workerPool(factory: WorkerFactory, options: PoolOptions): WorkerPool {
  const grace = options.cancelGraceMs ?? 120;
  const queue: Queued[] = [];
  const stats: PoolStats = { jobs: 0, crashes: 0, killed: 0 };
  const listeners = new Map<number, JobHooks>();
  let nextJob = 0;
  let disposed = false;

  const onWorkerEvent = proxy((e: WorkerEvent) => {
    const hooks = listeners.get(e.jobId);
    if (e.type === 'progress') hooks?.onProgress(e.value, e.max);
    else hooks?.onPreview(e.image);
  });

  const spawn = (): Slot => {
    const handle = factory();
    let crash!: (m: string) => void;
    const slot: Slot = { handle, dead: false, crashed: new Promise<string>((r) => (crash = r)) };
    handle.onCrash((message) => {
      if (slot.dead) return;
      crash(message);
      // The job it ran (if any) is failed by dispatch().
      retire(slot, 'crashed');
    });
    void handle.api.listen(onWorkerEvent);
    return slot;
  };
  const slots: Slot[] = Array.from({ length: options.size }, spawn);

  /** Take a dead or stuck worker out of service and start its replacement. */
  function retire(slot: Slot, why: 'crashed' | 'killed') {
    slot.dead = true;
    if (why === 'killed') slot.handle.terminate();
    if (disposed) return;
    stats[why === 'killed' ? 'killed' : 'crashes']++;
    slots[slots.indexOf(slot)] = spawn();
    pump();
  }

  function pump() {
    for (const slot of slots) {
      if (!queue.length) return;
      if (!slot.current && !slot.dead) void dispatch(slot, queue.shift()!);
    }
  }

  async function dispatch(slot: Slot, entry: Queued) {
    const { job, hooks } = entry;
    if (hooks.signal.aborted) return entry.reject(new JobError('cancelled', 'cancelled', job.inputs));
    const jobId = ++nextJob;
    slot.current = { jobId, entry };
    listeners.set(jobId, hooks);
    stats.jobs++;
    hooks.onStart();
    let timer: ReturnType<typeof setTimeout> | undefined;
    let kill!: (e: JobError) => void;
    const killed = new Promise<never>((_, reject) => (kill = reject));
    const onAbort = () => {
      void slot.handle.api.cancel(jobId);
      timer = setTimeout(() => {
        // The node is stuck in a loop that never yields: only ending the thread stops it. The
        // job ends now; the worker's exit (and its replacement) follow when the thread is gone.
        if (slot.current?.jobId !== jobId || slot.dead) return;
        kill(new JobError('cancelled', 'cancelled'));
        retire(slot, 'killed');
      }, grace);
    };
    hooks.signal.addEventListener('abort', onAbort, { once: true });
    try {
      const reply = await Promise.race([
        slot.handle.api.run(jobId, transfer(job, transferablesOf(job.inputs))),
        killed,
        slot.crashed.then((message) => {
          throw new JobError(hooks.signal.aborted ? 'cancelled' : `worker crashed: ${message}`, hooks.signal.aborted ? 'cancelled' : 'crashed');
        }),
      ]);
      if (reply.ok) entry.resolve({ outputs: reply.outputs, inputs: reply.inputs });
      else entry.reject(new JobError(reply.message, reply.reason, reply.inputs));
    } catch (e) {
      entry.reject(e instanceof JobError ? e : new JobError(String(e), 'crashed'));
    } finally {
      clearTimeout(timer);
      hooks.signal.removeEventListener('abort', onAbort);
      listeners.delete(jobId);
      slot.current = undefined;
      pump();
    }
  }

  /** A describe goes to a live worker with no job if there is one (a busy one answers when its job yields). */
  async function describe(nodeType: string, params: Record<string, unknown>, signal: AbortSignal): Promise<unknown> {
    if (disposed) throw new Error('the worker pool is closed');
    signal.throwIfAborted();
    const live = slots.filter((s) => !s.dead);
    const slot = live.find((s) => !s.current) ?? live[0];
    if (!slot) throw new Error('the worker pool has no live worker');
    const jobId = ++nextJob;
    const onAbort = () => void slot.handle.api.cancel(jobId);
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      const reply = await Promise.race([
        slot.handle.api.describe(jobId, nodeType, params),
        slot.crashed.then((message) => {
          throw new Error(`worker crashed: ${message}`);
        }),
      ]);
      if (!reply.ok) throw new Error(reply.message);
      return reply.value;
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  }

  return {
    lends: true,
    describe,
    size: options.size,
    stats,
    execute(job, hooks) {
      if (disposed) return Promise.reject(new JobError('the worker pool is closed', 'crashed'));
      return new Promise<JobResult>((resolve, reject) => {
        queue.push({ job, hooks, resolve, reject });
        pump();
      });
    },
    async dispose() {
      disposed = true;
      for (const q of queue.splice(0)) q.reject(new JobError('the worker pool is closed', 'cancelled', q.job.inputs));
      for (const s of slots) {
        s.dead = true;
        s.handle.terminate();
      }
    },
  };
}
