// A worker pool on module Web Workers. An uncaught error in a Web Worker does not end it, but
// its state is unknown afterwards, so the pool treats it as a crash and replaces the worker.
import { wrap } from 'comlink';
import { workerPool, type WorkerPool } from '../runtime/pool.ts';
import type { ExecutorApi } from '../runtime/worker-api.ts';

export function browserWorkerPool(size = Math.max(1, Math.min(4, (navigator.hardwareConcurrency || 2) - 1))): WorkerPool {
  return workerPool(
    () => {
      const worker = new Worker(new URL('./browser-executor.worker.ts', import.meta.url), { type: 'module' });
      return {
        api: wrap<ExecutorApi>(worker),
        onCrash(fn) {
          worker.addEventListener('error', (e) => {
            e.preventDefault();
            worker.terminate();
            // Chromium gives a worker whose module failed to load an error without a message.
            fn(e.message || 'the worker stopped with no message (its script or an import failed to load)');
          });
          worker.addEventListener('messageerror', () => {
            worker.terminate();
            fn('a message could not be read');
          });
        },
        terminate: () => worker.terminate(),
      };
    },
    { size },
  );
}
