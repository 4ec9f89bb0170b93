// The one way the Node runtime reads a file a user named (a graph, an image, a weights file): a
// regular file only (a device such as /dev/zero, a pipe or a folder is refused before a byte is
// read), at most the byte limit (checked on the size first, then on what is read, since /proc
// and friends report a size of 0), within LIMITS.readMs, and cancellable.
import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { type ByteLimit, formatBytes, LIMITS, LimitError } from '../../ml/untrusted/limits.ts';
import { joinChunks } from '../fetch-bytes.ts';

const CHUNK = 1 << 20;

export async function readUserFile(path: string, opts: { limit?: ByteLimit; signal?: AbortSignal } = {}): Promise<Uint8Array> {
  const limit = opts.limit ?? 'sourceBytes';
  const maxBytes = LIMITS[limit];
  const deadline = performance.now() + LIMITS.readMs;
  // O_NONBLOCK: opening a named pipe would otherwise wait for a writer forever.
  const file = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const info = await file.stat();
    if (info.isDirectory()) throw new Error('is a folder, not a file');
    if (!info.isFile()) throw new Error('is not a regular file (a device, pipe or socket)');
    if (info.size > maxBytes) throw new LimitError(limit, `is ${formatBytes(info.size)}, more than ${formatBytes(maxBytes)}`);
    const chunks: Uint8Array[] = [];
    let total = 0;
    for (;;) {
      opts.signal?.throwIfAborted();
      if (performance.now() > deadline) throw new LimitError('readMs', `took longer than ${LIMITS.readMs / 1000} s to read`);
      const want = Math.min(CHUNK, maxBytes + 1 - total);
      const buf = new Uint8Array(info.size > 0 && total === 0 ? Math.min(info.size + 1, maxBytes + 1) : want);
      const { bytesRead } = await file.read(buf, 0, buf.byteLength, null);
      if (bytesRead === 0) break;
      total += bytesRead;
      if (total > maxBytes) throw new LimitError(limit, `holds more than ${formatBytes(maxBytes)}`);
      chunks.push(buf.subarray(0, bytesRead));
    }
    return joinChunks(chunks, total);
  } finally {
    await file.close();
  }
}
