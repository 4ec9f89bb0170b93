// The safetensors file format: an 8-byte little-endian header length N, N bytes of UTF-8 JSON
// ({name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__"?: {string: string}}), then
// the tensor bytes, offsets relative to the start of that buffer.
//
// Files come from untrusted places (model hubs, drag and drop), so the reader validates the header
// completely before it allocates anything sized by it, and every problem is a SafetensorsError
// naming what is wrong. It is as strict as the reference implementation (huggingface/safetensors):
// the tensors must tile the buffer exactly — no gaps, no overlaps, no trailing bytes — and it is
// stricter in a few places: unknown keys, duplicate keys and non-0/1 BOOL bytes are errors too.
//
// Dtype mapping: F16 stays raw IEEE half bits ('float16', a Uint16Array, as everywhere in the
// engine). BF16 has no engine dtype, so it is widened to 'float32' on read; that is exact (a bf16 is
// the top half of an f32), at twice the memory. The writer therefore never emits BF16.
// Typed arrays use host byte order; every platform we target is little-endian, as is the format.
import type { DType, TypedArray } from './dtype.ts';
import { BYTES_PER_ELEMENT } from './dtype.ts';
import type { Tensor } from './tensor.ts';
import { jsonDepth } from './untrusted/json-depth.ts';

export class SafetensorsError extends Error {
  /** The tensor the problem is about, when there is one. */
  readonly tensor?: string;
  constructor(message: string, tensor?: string) {
    super(tensor === undefined ? message : `tensor ${JSON.stringify(tensor)}: ${message}`);
    this.name = 'SafetensorsError';
    this.tensor = tensor;
  }
}

/** Dtypes this reader accepts. */
export type SafetensorsDType = 'F64' | 'F32' | 'F16' | 'BF16' | 'I64' | 'I32' | 'I8' | 'U8' | 'BOOL';

const FILE_DTYPES: Record<SafetensorsDType, { size: number; dtype: DType }> = {
  F64: { size: 8, dtype: 'float64' },
  F32: { size: 4, dtype: 'float32' },
  F16: { size: 2, dtype: 'float16' },
  BF16: { size: 2, dtype: 'float32' },
  I64: { size: 8, dtype: 'int64' },
  I32: { size: 4, dtype: 'int32' },
  I8: { size: 1, dtype: 'int8' },
  U8: { size: 1, dtype: 'uint8' },
  BOOL: { size: 1, dtype: 'bool' },
};

const TO_FILE: Record<DType, SafetensorsDType> = {
  float64: 'F64',
  float32: 'F32',
  float16: 'F16',
  int64: 'I64',
  int32: 'I32',
  int8: 'I8',
  uint8: 'U8',
  bool: 'BOOL',
};

// The reference writer orders tensors by its Dtype enum, largest first, then by name. Since that
// enum is in increasing alignment order, every tensor lands aligned to its element size and a reader
// can view it in place. We reproduce that order so our files are byte-identical to the reference.
const WRITE_RANK: Record<SafetensorsDType, number> = { BOOL: 0, U8: 1, I8: 2, F16: 7, BF16: 8, I32: 9, F32: 11, F64: 12, I64: 13 };

/** The reference implementation's cap on the header size. */
export const DEFAULT_MAX_HEADER_BYTES = 100_000_000;
const METADATA_KEY = '__metadata__';
const HEADER_DEPTH = 3;
const ENTRY_KEYS = ['dtype', 'shape', 'data_offsets'];

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

export interface SafetensorsEntry {
  readonly name: string;
  readonly dtype: SafetensorsDType;
  readonly shape: readonly number[];
  /** Byte offsets relative to the start of the data buffer (`dataStart` in the file). */
  readonly begin: number;
  readonly end: number;
}

export interface SafetensorsHeader {
  /** Entries sorted by offset (which is also file order). */
  readonly entries: readonly SafetensorsEntry[];
  readonly byName: ReadonlyMap<string, SafetensorsEntry>;
  readonly metadata: Record<string, string>;
  /** File offset of the data buffer: 8 + header length. */
  readonly dataStart: number;
  /** Total file size the header was validated against. */
  readonly fileSize: number;
}

export interface ReadOptions {
  /** Reject headers longer than this (default 100 MB, like the reference). */
  maxHeaderBytes?: number;
}

export interface HeaderOptions extends ReadOptions {
  /**
   * Size of the whole file when `bytes` is only its beginning (at least 8 + header length bytes),
   * e.g. a Blob.slice of a large File. Defaults to bytes.byteLength.
   */
  fileSize?: number;
}

// Assign with define semantics, so a tensor called "__proto__" is an ordinary key, not a prototype.
function put<T>(rec: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(rec, key, { value, enumerable: true, writable: true, configurable: true });
}

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The header length N from the first 8 bytes, validated against the cap, so a caller reading a File
 * in pieces knows how many bytes to fetch next (8 + N).
 */
export function safetensorsHeaderLength(bytes: Uint8Array, opts: ReadOptions = {}): number {
  const cap = opts.maxHeaderBytes ?? DEFAULT_MAX_HEADER_BYTES;
  if (bytes.byteLength < 8) throw new SafetensorsError(`file is ${bytes.byteLength} bytes, shorter than the 8-byte header length`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, 8);
  const lo = dv.getUint32(0, true);
  const hi = dv.getUint32(4, true);
  // hi * 2^32 + lo is exact below 2^53; anything with hi >= 2^21 is far beyond any cap anyway.
  const n = hi >= 0x200000 ? Infinity : hi * 2 ** 32 + lo;
  if (n > cap) throw new SafetensorsError(`header length ${hi >= 0x200000 ? '>= 2^53' : n} exceeds the limit of ${cap} bytes`);
  return n;
}

/**
 * Parse and validate the header only: nothing sized by the file is allocated and no tensor is
 * copied. `bytes` may be the whole file or, with `fileSize`, just its first 8 + N bytes.
 */
export function readSafetensorsHeader(bytes: Uint8Array, opts: HeaderOptions = {}): SafetensorsHeader {
  const n = safetensorsHeaderLength(bytes, opts);
  const fileSize = opts.fileSize ?? bytes.byteLength;
  if (!Number.isSafeInteger(fileSize) || fileSize < bytes.byteLength)
    throw new SafetensorsError(`fileSize ${fileSize} is smaller than the ${bytes.byteLength} bytes given`);
  if (8 + n > fileSize) throw new SafetensorsError(`header length ${n} runs past the end of the ${fileSize}-byte file`);
  if (8 + n > bytes.byteLength) throw new SafetensorsError(`header length ${n} needs ${8 + n} bytes, only ${bytes.byteLength} given`);

  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes.subarray(8, 8 + n));
  } catch {
    throw new SafetensorsError('header is not valid UTF-8');
  }
  // Like the reference (>= 0.4): the JSON must start right away, with '{'.
  if (text.charCodeAt(0) !== 0x7b) throw new SafetensorsError('header does not start with "{"');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new SafetensorsError(`header is not valid JSON (${(e as Error).message})`);
  }
  if (!isPlainObject(json)) throw new SafetensorsError('header is not a JSON object');
  // A header is an object of entries of flat arrays: three levels. Deeper is not a header, and
  // walking it further would recurse without bound.
  if (jsonDepth(json, HEADER_DEPTH) > HEADER_DEPTH) throw new SafetensorsError(`header nests arrays and objects more than ${HEADER_DEPTH} levels deep`);
  const dup = findDuplicateKey(text);
  if (dup !== undefined) throw new SafetensorsError(`header has the key ${JSON.stringify(dup)} twice`);

  const metadata: Record<string, string> = {};
  const raw = json[METADATA_KEY];
  if (raw !== undefined && raw !== null) {
    if (!isPlainObject(raw)) throw new SafetensorsError('__metadata__ is not an object');
    for (const [k, v] of Object.entries(raw)) {
      if (typeof v !== 'string') throw new SafetensorsError(`__metadata__ value for ${JSON.stringify(k)} is not a string`);
      put(metadata, k, v);
    }
  }

  const bufferSize = fileSize - 8 - n;
  const entries: SafetensorsEntry[] = [];
  for (const [name, info] of Object.entries(json)) {
    if (name !== METADATA_KEY) entries.push(parseEntry(name, info, bufferSize));
  }
  entries.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let pos = 0;
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i];
    if (e.begin < pos) throw new SafetensorsError(`bytes [${e.begin}, ${e.end}) overlap tensor ${JSON.stringify(entries[i - 1].name)}`, e.name);
    if (e.begin > pos) throw new SafetensorsError(`starts at byte ${e.begin}, leaving unused bytes [${pos}, ${e.begin}) in the buffer`, e.name);
    pos = e.end;
  }
  if (pos !== bufferSize) throw new SafetensorsError(`tensors cover ${pos} bytes but the data buffer has ${bufferSize} (unused trailing bytes)`);
  return { entries, byName: new Map(entries.map((e) => [e.name, e])), metadata, dataStart: 8 + n, fileSize };
}

function parseEntry(name: string, info: unknown, bufferSize: number): SafetensorsEntry {
  const fail: (msg: string) => never = (msg) => {
    throw new SafetensorsError(msg, name);
  };
  if (!isPlainObject(info)) fail('entry is not an object');
  const rec = info as Record<string, unknown>;
  for (const k of Object.keys(rec)) if (!ENTRY_KEYS.includes(k)) fail(`unknown key ${JSON.stringify(k)}`);
  for (const k of ENTRY_KEYS) if (!Object.hasOwn(rec, k)) fail(`missing ${k}`);
  const { dtype, shape, data_offsets: offsets } = rec;
  if (typeof dtype !== 'string' || !Object.hasOwn(FILE_DTYPES, dtype)) fail(`unsupported dtype ${JSON.stringify(dtype)}`);
  if (!Array.isArray(shape)) fail('shape is not an array');
  let count = 1;
  for (const d of shape as unknown[]) {
    if (typeof d !== 'number' || !Number.isSafeInteger(d) || d < 0) fail(`shape [${shape}] has a dimension that is not a non-negative integer`);
    count *= d as number;
    if (!Number.isSafeInteger(count)) fail(`shape [${shape}] has too many elements`);
  }
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => typeof o === 'number' && Number.isSafeInteger(o) && o >= 0))
    fail(`data_offsets ${JSON.stringify(offsets)} is not a pair of non-negative integers`);
  const [begin, end] = offsets as number[];
  if (begin > end) fail(`data_offsets [${begin}, ${end}] ends before it begins`);
  const size = FILE_DTYPES[dtype as SafetensorsDType].size;
  const nbytes = count * size;
  if (end - begin !== nbytes) fail(`${end - begin} bytes at [${begin}, ${end}) but ${dtype} [${shape}] needs ${nbytes}`);
  if (end > bufferSize) fail(`data_offsets [${begin}, ${end}] run past the end of the ${bufferSize}-byte data buffer`);
  return { name, dtype: dtype as SafetensorsDType, shape: (shape as number[]).slice(), begin, end };
}

// JSON.parse silently keeps the last of duplicate keys. The text is known to be valid JSON here, so
// a linear scan tracking strings and nesting finds every object key; duplicates at any depth fail.
function findDuplicateKey(text: string): string | undefined {
  const stack: (Set<string> | null)[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      const start = i++;
      let escaped = false;
      for (let q = text.charCodeAt(i); q !== 0x22; q = text.charCodeAt(++i)) {
        if (q === 0x5c) {
          escaped = true;
          i++;
        }
      }
      const keys = stack[stack.length - 1];
      if (!keys) continue;
      let j = i + 1;
      while (text.charCodeAt(j) <= 0x20) j++;
      if (text.charCodeAt(j) !== 0x3a) continue; // a value, not a key
      const key = escaped ? (JSON.parse(text.slice(start, i + 1)) as string) : text.slice(start + 1, i);
      if (keys.has(key)) return key;
      keys.add(key);
    } else if (c === 0x7b) stack.push(new Set());
    else if (c === 0x5b) stack.push(null);
    else if (c === 0x7d || c === 0x5d) stack.pop();
  }
  return undefined;
}

/** Copy one tensor out of a file whose header was read with readSafetensorsHeader. */
export function readTensor(bytes: Uint8Array, header: SafetensorsHeader, name: string): Tensor {
  const e = header.byName.get(name);
  if (!e) throw new SafetensorsError('not in this file', name);
  if (bytes.byteLength !== header.fileSize) throw new SafetensorsError(`expected the whole ${header.fileSize}-byte file, got ${bytes.byteLength} bytes`);
  return decode(e, bytes.subarray(header.dataStart + e.begin, header.dataStart + e.end));
}

function decode(e: SafetensorsEntry, raw: Uint8Array): Tensor {
  if (!LITTLE_ENDIAN) throw new SafetensorsError('big-endian hosts are not supported');
  const own = raw.slice(); // fresh, aligned, independent of the file buffer
  const n = own.byteLength / FILE_DTYPES[e.dtype].size;
  let data: TypedArray;
  switch (e.dtype) {
    case 'F64':
      data = new Float64Array(own.buffer, 0, n);
      break;
    case 'F32':
      data = new Float32Array(own.buffer, 0, n);
      break;
    case 'F16':
      data = new Uint16Array(own.buffer, 0, n);
      break;
    case 'BF16': {
      const half = new Uint16Array(own.buffer, 0, n);
      const bits = new Uint32Array(n);
      for (let i = 0; i < n; i++) bits[i] = half[i] << 16;
      data = new Float32Array(bits.buffer);
      break;
    }
    case 'I64':
      data = new BigInt64Array(own.buffer, 0, n);
      break;
    case 'I32':
      data = new Int32Array(own.buffer, 0, n);
      break;
    case 'I8':
      data = new Int8Array(own.buffer, 0, n);
      break;
    case 'U8':
      data = own;
      break;
    case 'BOOL':
      for (let i = 0; i < n; i++) if (own[i] > 1) throw new SafetensorsError(`BOOL byte ${own[i]} at element ${i} is neither 0 nor 1`, e.name);
      data = own;
      break;
  }
  return { dtype: FILE_DTYPES[e.dtype].dtype, shape: e.shape.slice(), data };
}

/** Validate and decode a whole file; every tensor is copied out of `bytes`. */
export function readSafetensors(bytes: Uint8Array, opts: ReadOptions = {}): { tensors: Record<string, Tensor>; metadata: Record<string, string> } {
  const header = readSafetensorsHeader(bytes, { maxHeaderBytes: opts.maxHeaderBytes });
  const tensors: Record<string, Tensor> = {};
  for (const e of header.entries) put(tensors, e.name, decode(e, bytes.subarray(header.dataStart + e.begin, header.dataStart + e.end)));
  return { tensors, metadata: header.metadata };
}

/**
 * Serialize tensors (and optional string metadata) exactly as the reference writer does: compact
 * JSON with __metadata__ first, tensors ordered by dtype (widest first) then name, header padded
 * with spaces to a multiple of 8 bytes.
 */
export function writeSafetensors(tensors: Record<string, Tensor>, metadata?: Record<string, string>): Uint8Array {
  if (!LITTLE_ENDIAN) throw new SafetensorsError('big-endian hosts are not supported');
  const items = Object.entries(tensors).map(([name, t]) => {
    if (name === METADATA_KEY) throw new SafetensorsError('a tensor cannot be called __metadata__');
    const file = TO_FILE[t.dtype];
    if (!file) throw new SafetensorsError(`unsupported dtype ${JSON.stringify(t.dtype)}`, name);
    let count = 1;
    for (const d of t.shape) {
      if (!Number.isSafeInteger(d) || d < 0) throw new SafetensorsError(`shape [${t.shape}] is not made of non-negative integers`, name);
      count *= d;
    }
    if (t.data.length !== count || t.data.BYTES_PER_ELEMENT !== BYTES_PER_ELEMENT[t.dtype])
      throw new SafetensorsError(`${t.data.constructor.name} of ${t.data.length} elements does not hold ${t.dtype} [${t.shape}]`, name);
    return { name, t, file };
  });
  items.sort((a, b) => WRITE_RANK[b.file] - WRITE_RANK[a.file] || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));

  // Built by hand because JSON.stringify of an object would move integer-like names ("0") first.
  const parts: string[] = [];
  if (metadata !== undefined) {
    const meta = Object.keys(metadata)
      .sort()
      .map((k) => {
        if (typeof metadata[k] !== 'string') throw new SafetensorsError(`metadata value for ${JSON.stringify(k)} is not a string`);
        return `${JSON.stringify(k)}:${JSON.stringify(metadata[k])}`;
      });
    parts.push(`"${METADATA_KEY}":{${meta.join(',')}}`);
  }
  let offset = 0;
  for (const { name, t, file } of items) {
    const info = { dtype: file, shape: [...t.shape], data_offsets: [offset, offset + t.data.byteLength] };
    parts.push(`${JSON.stringify(name)}:${JSON.stringify(info)}`);
    offset += t.data.byteLength;
  }
  const json = new TextEncoder().encode(`{${parts.join(',')}}`);
  const n = Math.ceil(json.byteLength / 8) * 8;
  const out = new Uint8Array(8 + n + offset);
  new DataView(out.buffer).setUint32(0, n % 2 ** 32, true);
  new DataView(out.buffer).setUint32(4, Math.floor(n / 2 ** 32), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.byteLength, 8 + n);
  let pos = 8 + n;
  for (const { t } of items) {
    out.set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), pos);
    pos += t.data.byteLength;
  }
  return out;
}
