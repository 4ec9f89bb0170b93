// Persistent cache in files: one file per key. Writes go to a temporary name and are renamed
// into place, so a reader (or a crash mid-write) never sees half a value.
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { PersistentStore } from '../cache/store.ts';

const KEY = /^[0-9a-f]{8,128}$/;

export function fileStore(dir: string): PersistentStore {
  const pathOf = (key: string) => {
    // Keys are our own hashes; refuse anything else rather than build paths from it.
    if (!KEY.test(key)) throw new Error(`bad cache key ${key}`);
    return join(dir, `${key}.bin`);
  };
  let made: Promise<unknown> | undefined;
  return {
    async get(key) {
      try {
        return new Uint8Array(await readFile(pathOf(key)));
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw e;
      }
    },
    async has(key) {
      return stat(pathOf(key)).then(
        () => true,
        () => false,
      );
    },
    async set(key, bytes) {
      made ??= mkdir(dir, { recursive: true });
      await made;
      const tmp = `${pathOf(key)}.${randomBytes(6).toString('hex')}.tmp`;
      await writeFile(tmp, bytes);
      await rename(tmp, pathOf(key));
    },
    async delete(key) {
      await rm(pathOf(key), { force: true });
    },
  };
}
