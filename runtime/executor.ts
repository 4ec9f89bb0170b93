// An executor runs one node job somewhere: in this thread, or on a worker of a pool. The
// scheduler decides what runs; the executor only how.
import type { GraphDoc } from './document/schema.ts';
import type { RgbaImage } from './platform.ts';
import type { NodeOutputs, PortValue } from './values.ts';

export type JobInputs = Record<string, PortValue | PortValue[] | undefined>;

export interface Job {
  nodeId: string;
  nodeType: string;
  params: Record<string, unknown>;
  inputs: JobInputs;
  document?: GraphDoc;
  /** The run this job belongs to and the node's cache key (null: never cached), for executors
   * that name jobs after them (the queue). */
  runId?: string;
  cacheKey?: string | null;
}

export interface JobHooks {
  signal: AbortSignal;
  /** The job left the queue and started. */
  onStart(): void;
  onProgress(value: number, max: number): void;
  onPreview(image: RgbaImage): void;
}

export interface JobResult {
  outputs: NodeOutputs;
  /** The inputs handed back, when the executor borrowed them by transfer (see `lends`). */
  inputs?: JobInputs;
}

/** Why a job ended without outputs; the scheduler reports it on the node. */
export class JobError extends Error {
  constructor(
    message: string,
    readonly reason: 'threw' | 'crashed' | 'cancelled',
    /** Borrowed inputs handed back; absent when they were lost (a crashed worker). */
    readonly inputs?: JobInputs,
  ) {
    super(message);
  }
}

export interface Executor {
  /** True when inputs move to the job by transfer and come back with the result: until then the
   * scheduler's copy is detached and no other job may read it. */
  readonly lends: boolean;
  execute(job: Job, hooks: JobHooks): Promise<JobResult>;
  /** A node's `describe` for these params (see define-node), where its run code lives; absent
   * on executors that cannot (the queue). Rejects with the node's error message. */
  describe?(nodeType: string, params: Record<string, unknown>, signal: AbortSignal): Promise<unknown>;
  dispose(): Promise<void>;
}
