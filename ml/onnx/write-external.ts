// Node: a model written as a .onnx file plus one side file of external data beside it, the
// tensors streamed chunk by chunk, so a model past protobuf's 2 GB limit is never one buffer.
import { closeSync, openSync, writeFileSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { Graph } from '../ir.ts';
import { toOnnxParts, type ExternalDataOptions, type WriteOptions } from './serialize.ts';

export interface WrittenOnnx {
  /** The side file's path: `<model path>.data`. */
  dataPath: string;
  modelBytes: number;
  dataBytes: number;
}

/**
 * Writes `g` to `path` with its initializers of at least `threshold` bytes in `<name>.data` beside
 * it (named relative to the model, as ONNX requires, so the pair can be moved together).
 */
export function writeOnnxWithExternalData(
  g: Graph,
  path: string,
  opts: WriteOptions & Omit<ExternalDataOptions, 'location'> = {},
): WrittenOnnx {
  const location = `${basename(path)}.data`;
  const parts = toOnnxParts(g, { ...opts, location }, opts);
  const dataPath = join(dirname(path), location);
  const fd = openSync(dataPath, 'w');
  try {
    for (const chunk of parts.data) {
      // One write takes at most 2 GB, and may write less than asked.
      for (let done = 0; done < chunk.byteLength; ) done += writeSync(fd, chunk, done, Math.min(chunk.byteLength - done, 2 ** 30));
    }
  } finally {
    closeSync(fd);
  }
  // The model last, so a model file never names weights that are not yet written.
  writeFileSync(path, parts.model);
  return { dataPath, modelBytes: parts.model.byteLength, dataBytes: parts.dataBytes };
}
