// The shared store: node outputs as objects named by the sha256 of their bytes, in a folder that
// may be a shared mount for several machines. Objects are written to a temporary name, synced,
// then renamed, so no reader ever sees half of one. A small manifest per node cache key, written
// last, is the commit point: a key is done when its manifest names an object that is there. Every
// read re-hashes the bytes; an object that does not match its name is deleted, so its node is
// simply computed again.
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import type { PersistentStore } from '../cache/store.ts';

export interface ObjectStore {
  has(hash: string): Promise<boolean>;
  /** The object's bytes, verified; undefined when it is absent or was corrupt (and is now gone). */
  get(hash: string): Promise<Uint8Array | undefined>;
  /** Store bytes under their sha256 and return it; a no-op when the object is already there. */
  put(bytes: Uint8Array): Promise<string>;
}

export const ManifestSchema = z.object({
  v: z.literal(1),
  key: z.string(),
  /** The sha256 of the node's encoded outputs. */
  object: z.string(),
  bytes: z.number().int().nonnegative(),
  /** Node type and compute time, for people reading the folder. */
  node: z.string().optional(),
  ms: z.number().optional(),
});
export type Manifest = z.infer<typeof ManifestSchema>;

export interface SharedStore extends ObjectStore {
  readonly dir: string;
  /** The committed manifest of a cache key whose object is present, else undefined. */
  manifest(key: string): Promise<Manifest | undefined>;
  /** Commit a key: its object must already be stored. */
  commit(manifest: Manifest): Promise<void>;
  /** Forget a key (its object stays until nothing else names it). */
  uncommit(key: string): Promise<void>;
  /** Objects found corrupt (and deleted) by this process. */
  readonly corrupt: number;
}

const SHA256 = /^[0-9a-f]{64}$/;
const KEY = /^[0-9a-f]{8,128}$/;

export const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

export function sharedStore(dir: string): SharedStore {
  const objectPath = (hash: string) => {
    // Names come from Redis and from manifests: never build a path from anything else.
    if (!SHA256.test(hash)) throw new Error(`not an object name: ${hash.slice(0, 80)}`);
    return join(dir, 'objects', hash.slice(0, 2), hash);
  };
  const manifestPath = (key: string) => {
    if (!KEY.test(key)) throw new Error(`not a cache key: ${key.slice(0, 80)}`);
    return join(dir, 'manifests', key.slice(0, 2), `${key}.json`);
  };
  let corrupt = 0;

  /** Write to a temporary name beside the target, fsync, rename: all or nothing. */
  async function writeAtomic(path: string, bytes: Uint8Array) {
    const folder = join(path, '..');
    await mkdir(folder, { recursive: true });
    const tmp = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
    const file = await open(tmp, 'w');
    try {
      await file.writeFile(bytes);
      await file.sync();
    } finally {
      await file.close();
    }
    // The folder is not synced after the rename: a rename lost to a power cut leaves a manifest
    // naming a missing object (read as not committed) or no manifest, and either way the node is
    // simply computed again. Syncing it would double the cost of every job.
    await rename(tmp, path);
  }

  const exists = (path: string) =>
    stat(path).then(
      (s) => s.isFile(),
      () => false,
    );

  const store: SharedStore = {
    dir,
    get corrupt() {
      return corrupt;
    },
    has: (hash) => exists(objectPath(hash)),
    async get(hash) {
      const path = objectPath(hash);
      let bytes: Uint8Array;
      try {
        bytes = new Uint8Array(await readFile(path));
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw e;
      }
      if (sha256(bytes) !== hash) {
        corrupt++;
        await rm(path, { force: true });
        return undefined;
      }
      return bytes;
    },
    async put(bytes) {
      const hash = sha256(bytes);
      const path = objectPath(hash);
      if (!(await exists(path))) await writeAtomic(path, bytes);
      return hash;
    },
    async manifest(key) {
      const path = manifestPath(key);
      let text: string;
      try {
        text = await readFile(path, 'utf8');
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw e;
      }
      let parsed: Manifest | undefined;
      try {
        const m = ManifestSchema.safeParse(JSON.parse(text));
        if (m.success && m.data.key === key && SHA256.test(m.data.object)) parsed = m.data;
      } catch {
        // Not JSON: treated as absent, like a manifest that names a missing object.
      }
      if (parsed && (await exists(objectPath(parsed.object)))) return parsed;
      await rm(path, { force: true });
      return undefined;
    },
    async commit(manifest) {
      if (!(await exists(objectPath(manifest.object)))) throw new Error(`cannot commit ${manifest.key}: object ${manifest.object} is not stored`);
      await writeAtomic(manifestPath(manifest.key), new TextEncoder().encode(JSON.stringify(ManifestSchema.parse(manifest))));
    },
    async uncommit(key) {
      await rm(manifestPath(key), { force: true });
    },
  };
  return store;
}

/** The shared store seen as the runtime's persistent cache (cache key → encoded outputs), so the
 * scheduler plans a node whose key is committed as cached and never sends it as a job. */
export function sharedCache(store: SharedStore): PersistentStore {
  return {
    has: async (key) => (await store.manifest(key)) !== undefined,
    async get(key) {
      const m = await store.manifest(key);
      if (!m) return undefined;
      const bytes = await store.get(m.object);
      // A corrupt object was deleted by get(); drop its manifest so nothing points at it.
      if (!bytes) await store.uncommit(key);
      return bytes;
    },
    async set(key, bytes) {
      // Nodes run by workers are committed by them; this is for nodes the host ran itself.
      if (await store.manifest(key)) return;
      const object = await store.put(bytes);
      await store.commit({ v: 1, key, object, bytes: bytes.byteLength });
    },
    delete: (key) => store.uncommit(key),
  };
}
