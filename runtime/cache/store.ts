// Where expensive outputs outlive the process: files in Node, IndexedDB in the browser. A store
// sees opaque bytes under a cache key; `set` must never leave a half-written value readable.

export interface PersistentStore {
  get(key: string): Promise<Uint8Array | undefined>;
  set(key: string, bytes: Uint8Array): Promise<void>;
  has(key: string): Promise<boolean>;
  delete(key: string): Promise<void>;
}

/** A store in a Map: the real thing for tests and for hosts that want no persistence. */
export function memoryStore(): PersistentStore & { readonly size: number } {
  const map = new Map<string, Uint8Array>();
  return {
    get size() {
      return map.size;
    },
    get: async (key) => map.get(key)?.slice(),
    set: async (key, bytes) => void map.set(key, bytes.slice()),
    has: async (key) => map.has(key),
    delete: async (key) => void map.delete(key),
  };
}
