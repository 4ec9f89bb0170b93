// Persistent cache in IndexedDB (through idb-keyval). One IndexedDB put is one transaction, so
// a value is either stored whole or not at all.
import { createStore, del, get, set, type UseStore } from 'idb-keyval';
import type { PersistentStore } from '../cache/store.ts';

export function idbStore(dbName = 'workbench-cache', storeName = 'outputs'): PersistentStore {
  let store: UseStore | undefined;
  const db = () => (store ??= createStore(dbName, storeName));
  return {
    get: async (key) => (await get<Uint8Array>(key, db())) ?? undefined,
    has: async (key) => (await get(key, db())) !== undefined,
    set: (key, bytes) => set(key, bytes, db()),
    delete: (key) => del(key, db()),
  };
}
