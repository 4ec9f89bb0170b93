// Browser-only parts of the runtime (fetch + createImageBitmap, IndexedDB, Web Workers).
export { browserPlatform } from './platform.ts';
export { idbStore } from './idb-store.ts';
