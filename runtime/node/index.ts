// Node-only parts of the runtime (file system, sharp, worker_threads).
export { dataUrlBytes, nodePlatform } from './platform.ts';
export { fileStore } from './file-store.ts';
