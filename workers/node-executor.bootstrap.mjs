// Plain-JS entry for worker_threads: registers tsx's loader in this thread, then loads the
// TypeScript worker. (Loader flags in a Worker's execArgv are not honoured on Node 20.)
import { register } from 'tsx/esm/api';

register();
await import('./node-executor.worker.ts');
