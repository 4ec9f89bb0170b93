// A worker pool on worker_threads. Each worker starts from a small JS bootstrap that registers
// tsx's loader, so the TypeScript node code runs unchanged in the thread.
import { wrap, type Endpoint } from 'comlink';
import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs';
import { availableParallelism } from 'node:os';
import { Worker, type ResourceLimits } from 'node:worker_threads';
import { LIMITS } from '../ml/untrusted/limits.ts';
import { workerPool, type WorkerPool } from '../runtime/pool.ts';
import type { ExecutorApi } from '../runtime/worker-api.ts';

export interface NodePoolOptions {
  size?: number;
  /** URL of a module exporting `registry`; the app's registry by default. */
  registryModule?: string;
  /** Folder that relative image paths in the graph are resolved against. */
  baseDir?: string;
  /** Default: a heap of LIMITS.workerHeapMb, so a runaway node ends its worker, not the machine. */
  resourceLimits?: ResourceLimits;
  cancelGraceMs?: number;
  /** Wraps each worker's endpoint, e.g. to count what crosses it (bench/runtime.ts). */
  wrapEndpoint?: (endpoint: Endpoint) => Endpoint;
}

const ENTRY = new URL('./node-executor.bootstrap.mjs', import.meta.url);

export function nodeWorkerPool(options: NodePoolOptions = {}): WorkerPool {
  const size = options.size ?? Math.max(1, Math.min(4, availableParallelism() - 1));
  return workerPool(
    () => {
      const worker = new Worker(ENTRY, {
        workerData: { registryModule: options.registryModule, baseDir: options.baseDir },
        resourceLimits: options.resourceLimits ?? { maxOldGenerationSizeMb: LIMITS.workerHeapMb },
      });
      return {
        api: wrap<ExecutorApi>((options.wrapEndpoint ?? ((e) => e))(nodeEndpoint(worker))),
        onCrash(fn) {
          worker.on('error', (e: Error) => fn(e.message));
          worker.on('exit', (code) => fn(`worker exited with code ${code}`));
        },
        terminate: () => void worker.terminate(),
      };
    },
    { size, cancelGraceMs: options.cancelGraceMs },
  );
}
