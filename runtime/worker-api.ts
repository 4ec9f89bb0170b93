// What a worker exposes over comlink: run a node job, cancel it, and stream its progress back
// through one listener registered at start. Runs in Web Workers and worker_threads alike.
import { transfer } from 'comlink';
import { JobError, type Job, type JobInputs } from './executor.ts';
import type { Platform, RgbaImage } from './platform.ts';
import type { AnyNodeDef } from './define-node.ts';
import type { Registry } from './registry.ts';
import { describeNode, runJob } from './run-node.ts';
import { transferablesOf, typedArraysIn, type NodeOutputs } from './values.ts';

export type WorkerEvent =
  | { jobId: number; type: 'progress'; value: number; max: number }
  | { jobId: number; type: 'preview'; image: RgbaImage };

/** A describe's answer; an error goes back as its message (a thrown Error loses its text across some threads). */
export type DescribeReply = { ok: true; value: unknown } | { ok: false; message: string };

export type WorkerReply =
  | { ok: true; outputs: NodeOutputs; inputs: JobInputs }
  | { ok: false; message: string; reason: JobError['reason']; inputs: JobInputs };

/** Progress messages cross threads; more than one per frame is noise. */
const PROGRESS_INTERVAL_MS = 30;

/** Outputs that share a buffer with an input (a node that passes an input through) get their
 * own copy, or returning the inputs would hand the same buffer back twice. */
function unalias(outputs: NodeOutputs, inputs: JobInputs): NodeOutputs {
  const owned = new Set(typedArraysIn(inputs).map((a) => a.buffer));
  if (!typedArraysIn(outputs).some((a) => owned.has(a.buffer))) return outputs;
  const copy = (v: unknown): unknown => {
    if (ArrayBuffer.isView(v)) return owned.has(v.buffer) ? (v as Uint8Array).slice() : v;
    if (Array.isArray(v)) return v.map(copy);
    if (typeof v === 'object' && v !== null) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, copy(x)]));
    return v;
  };
  return copy(outputs) as NodeOutputs;
}

export function createExecutorApi(registry: Registry<AnyNodeDef>, platform: Platform) {
  const running = new Map<number, AbortController>();
  let listener: ((e: WorkerEvent) => void) | undefined;

  return {
    listen(fn: (e: WorkerEvent) => void) {
      listener = fn;
    },
    cancel(jobId: number) {
      running.get(jobId)?.abort();
    },
    /** A node's `describe`; `cancel(jobId)` stops it as it stops a run. */
    async describe(jobId: number, nodeType: string, params: Record<string, unknown>): Promise<DescribeReply> {
      const ctrl = new AbortController();
      running.set(jobId, ctrl);
      try {
        return { ok: true, value: await describeNode(registry, platform, nodeType, params, ctrl.signal) };
      } catch (e) {
        return { ok: false, message: e instanceof Error ? e.message : String(e) };
      } finally {
        running.delete(jobId);
      }
    },
    async run(jobId: number, job: Job): Promise<WorkerReply> {
      const ctrl = new AbortController();
      running.set(jobId, ctrl);
      let last = 0;
      let reply: WorkerReply;
      try {
        const outputs = await runJob(registry, platform, job, {
          signal: ctrl.signal,
          onStart() {},
          onProgress(value, max) {
            const now = performance.now();
            if (value < max && now - last < PROGRESS_INTERVAL_MS) return;
            last = now;
            listener?.({ jobId, type: 'progress', value, max });
          },
          onPreview(image) {
            listener?.({ jobId, type: 'preview', image });
          },
        });
        reply = { ok: true, outputs: unalias(outputs, job.inputs), inputs: job.inputs };
      } catch (e) {
        const err = e instanceof JobError ? e : new JobError(String(e), 'threw');
        reply = { ok: false, message: err.message, reason: err.reason, inputs: job.inputs };
      } finally {
        running.delete(jobId);
      }
      // Inputs go home with the result: the host lent them by transfer and wants them back.
      return transfer(reply, transferablesOf(reply));
    },
  };
}

export type ExecutorApi = ReturnType<typeof createExecutorApi>;
