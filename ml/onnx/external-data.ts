// Tensors whose bytes live outside the model file (ONNX external data: `location`, `offset`,
// `length` keys), as exporters write weights beside the model and as every model over protobuf's
// 2 GB limit must. Each tensor is read on its own through an injected reader, so a large model
// is never held as one buffer.

import { onnx } from './proto.ts';

/** Reads `length` bytes at `offset` of a file named relative to the model's folder. */
export type ExternalDataReader = (location: string, offset: number, length: number) => Uint8Array;

interface ExternalEntry {
  key?: string | null;
  value?: string | null;
}

/**
 * A location must name a file inside the model's folder: relative, without `..` segments, so a
 * model cannot read arbitrary files of the machine it is opened on.
 */
export function checkLocation(location: string, tensor: string): string {
  const parts = location.split(/[\\/]/);
  if (!location || location.startsWith('/') || /^[a-zA-Z]:/.test(location) || parts.includes('..') || location.includes('\0'))
    throw new Error(`tensor "${tensor}": external data location "${location}" must be a file inside the model's folder`);
  return parts.filter((p) => p && p !== '.').join('/');
}

/** The bytes of one external tensor, checked against the size its shape and type need. */
export function readExternalTensor(
  name: string,
  entries: readonly ExternalEntry[],
  byteLength: number,
  reader: ExternalDataReader | undefined,
): Uint8Array {
  const kv = new Map(entries.map((e) => [e.key ?? '', e.value ?? '']));
  const location = kv.get('location');
  if (!location) throw new Error(`tensor "${name}" is marked external but names no location`);
  const file = checkLocation(location, name);
  const int = (key: string, fallback: number) => {
    const v = kv.get(key);
    if (v === undefined) return fallback;
    const n = Number(v);
    if (!Number.isSafeInteger(n) || n < 0) throw new Error(`tensor "${name}": external data ${key} "${v}" is not a byte count`);
    return n;
  };
  const offset = int('offset', 0);
  const length = int('length', byteLength);
  if (length !== byteLength) throw new Error(`tensor "${name}": external data length ${length} but its shape and type need ${byteLength} bytes`);
  if (!reader)
    throw new Error(
      `tensor "${name}" keeps its data in the external file "${file}"; open the model from its file (its folder holds the weights) or pass the weight files along with it`,
    );
  const bytes = reader(file, offset, length);
  if (bytes.byteLength !== length)
    throw new Error(`tensor "${name}": external file "${file}" ends before offset ${offset} + ${length} bytes (read ${bytes.byteLength})`);
  return bytes;
}

/** A reader over weight files already in memory (a browser's picked files), by name. */
export function externalFromFiles(files: ReadonlyMap<string, Uint8Array>): ExternalDataReader {
  return (location, offset, length) => {
    const f = files.get(location) ?? files.get(location.split('/').pop()!);
    if (!f) throw new Error(`external data file "${location}" was not given (given: ${[...files.keys()].join(', ') || 'none'})`);
    return f.subarray(offset, Math.min(f.byteLength, offset + length));
  };
}

/** The external files a model's initializers name, so a host can fetch them before importing. */
export function externalLocations(initializers: readonly { name?: string | null; dataLocation?: number | null; externalData?: readonly ExternalEntry[] | null }[]): string[] {
  const out = new Set<string>();
  for (const t of initializers) {
    if (t.dataLocation !== 1) continue; // TensorProto.DataLocation.EXTERNAL
    const loc = (t.externalData ?? []).find((e) => e.key === 'location')?.value;
    if (loc) out.add(checkLocation(loc, t.name ?? ''));
  }
  return [...out];
}

/** The external files an ONNX model's initializers name (decoding the model's structure only). */
export function modelExternalFiles(bytes: Uint8Array): string[] {
  let m;
  try {
    m = onnx.ModelProto.decode(bytes);
  } catch (e) {
    throw new Error(`not an ONNX model: ${(e as Error).message}`);
  }
  return externalLocations(m.graph?.initializer ?? []);
}
