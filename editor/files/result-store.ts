// The results the editor has shown, kept in IndexedDB by the content key they were made under,
// so a reload shows each node's last result again, exactly when it still belongs to the graph
// (the same key), without running anything. The runtime's own persistent cache keeps the
// expensive outputs for the next run; this keeps what they looked like. The most recent
// MAX_ENTRIES results are kept.
import { createStore, delMany, get, getMany, set, type UseStore } from 'idb-keyval';
import type { Preview } from '../exec/previews.ts';

export interface ResultStore {
  save(key: string, previews: Preview[]): Promise<void>;
  load(keys: readonly string[]): Promise<Map<string, Preview[]>>;
}

const MAX_ENTRIES = 500;
const INDEX = 'index';

export function idbResultStore(dbName = 'workbench-results', storeName = 'previews'): ResultStore {
  let store: UseStore | undefined;
  const db = () => (store ??= createStore(dbName, storeName));
  let queue = Promise.resolve();
  return {
    save(key, previews) {
      // One write at a time, so the index of keys stays whole.
      queue = queue
        .then(async () => {
          await set(`r:${key}`, previews, db());
          const index = ((await get<string[]>(INDEX, db())) ?? []).filter((k) => k !== key);
          index.push(key);
          const drop = index.splice(0, Math.max(0, index.length - MAX_ENTRIES));
          await set(INDEX, index, db());
          if (drop.length) await delMany(drop.map((k) => `r:${k}`), db());
        })
        .catch(() => {});
      return queue;
    },
    async load(keys) {
      const found = await getMany<Preview[] | undefined>(keys.map((k) => `r:${k}`), db()).catch(() => []);
      return new Map(keys.flatMap((k, i) => (Array.isArray(found[i]) ? [[k, found[i]!] as const] : [])));
    },
  };
}
