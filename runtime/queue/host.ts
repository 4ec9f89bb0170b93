// What a host (the graph and batch CLIs, the benchmark) needs to run graphs on the queue: an
// executor that sends nodes to workers, and the shared store as the runtime's persistent cache
// for every deterministic node (so a committed key never becomes a job at all).
import type { PersistentStore } from '../cache/store.ts';
import { queueExecutor, type QueueExecutor } from './queue-executor.ts';
import { sharedCache, sharedStore, type SharedStore } from './store.ts';

export interface QueueHostOptions {
  redisUrl: string;
  storeDir: string;
  nodeTimeoutMs?: number;
  attempts?: number;
  backoffMs?: number;
  pollMs?: number;
  queueName?: string;
}

export function queueRuntimeParts(options: QueueHostOptions): { executor: QueueExecutor; persistent: PersistentStore; store: SharedStore } {
  const store = sharedStore(options.storeDir);
  const executor = queueExecutor({ ...options, store });
  return { executor, persistent: sharedCache(store), store };
}
