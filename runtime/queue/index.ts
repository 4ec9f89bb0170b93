// The queue's public face (Node only): graphs on worker processes behind BullMQ and Redis, with a
// shared content-addressed store.
export { queueRuntimeParts, type QueueHostOptions } from './host.ts';
export { queueExecutor, type QueueExecutor, type QueueExecutorOptions, type QueueExecutorStats } from './queue-executor.ts';
export { startQueueWorker, type QueueWorker, type QueueWorkerOptions } from './worker.ts';
export { ManifestSchema, sha256, sharedCache, sharedStore, type Manifest, type ObjectStore, type SharedStore } from './store.ts';
export { CANCEL_EVENT, jobIdOf, NodeJobSchema, NodeResultSchema, QUEUE_NAME, type NodeJob, type NodeResult, type ObjectRef } from './protocol.ts';
