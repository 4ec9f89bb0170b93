// Node: external data read from the files beside a model, one positioned read per tensor, so a
// weights file of any size (past 2 GB too) is never loaded whole.
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { ExternalDataReader } from './external-data.ts';

export interface ExternalFiles {
  read: ExternalDataReader;
  /** Closes the files opened so far. */
  close(): void;
}

/** Reads external data relative to the folder of `modelPath`; only regular files are read. */
export function externalFilesBeside(modelPath: string): ExternalFiles {
  const dir = dirname(modelPath);
  const open = new Map<string, { fd: number; size: number }>();
  const file = (location: string) => {
    let f = open.get(location);
    if (!f) {
      const path = join(dir, location);
      const fd = openSync(path, 'r');
      const st = fstatSync(fd);
      if (!st.isFile()) {
        closeSync(fd);
        throw new Error(`external data "${path}" is not a regular file`);
      }
      f = { fd, size: st.size };
      open.set(location, f);
    }
    return f;
  };
  return {
    read(location, offset, length) {
      const { fd, size } = file(location);
      if (offset + length > size)
        throw new Error(`external data file "${location}" has ${size} bytes; a tensor needs ${length} at offset ${offset}`);
      const out = new Uint8Array(length);
      let done = 0;
      while (done < length) {
        // One read may move at most 2 GiB; a tensor past that is read in 1 GiB steps.
        const n = readSync(fd, out, done, Math.min(length - done, 2 ** 30), offset + done);
        if (n <= 0) break;
        done += n;
      }
      return out.subarray(0, done);
    },
    close() {
      for (const { fd } of open.values()) closeSync(fd);
      open.clear();
    },
  };
}
