// The document survives a reload: every change is written to IndexedDB shortly after it
// happens, and the last one is read back at start.
import { createStore, get, set, type UseStore } from 'idb-keyval';
import { parseGraphJson, type GraphDoc } from '../../runtime/index.ts';

export interface DocStorage {
  load(): Promise<GraphDoc | undefined>;
  save(doc: GraphDoc): Promise<void>;
}

const KEY = 'autosave';

export function idbDocStorage(dbName = 'workbench-editor', storeName = 'documents'): DocStorage {
  let store: UseStore | undefined;
  const db = () => (store ??= createStore(dbName, storeName));
  return {
    async load() {
      const saved = await get<unknown>(KEY, db()).catch(() => undefined);
      if (saved === undefined) return undefined;
      // What was saved by an older build goes through the same migrations as a file would.
      const r = parseGraphJson(saved);
      return r.ok ? r.doc : undefined;
    },
    save: (doc) => set(KEY, doc, db()),
  };
}

/** Call `save` at most once per `delayMs`, with the latest document; `flush` writes now. */
export function debouncedSaver(storage: DocStorage, delayMs = 300) {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let pending: GraphDoc | undefined;
  const flush = async () => {
    clearTimeout(timer);
    timer = undefined;
    const doc = pending;
    pending = undefined;
    if (doc) await storage.save(doc);
  };
  return {
    schedule(doc: GraphDoc) {
      pending = doc;
      clearTimeout(timer);
      timer = setTimeout(() => void flush(), delayMs);
    },
    flush,
  };
}
