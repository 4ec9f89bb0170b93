// Node outputs as bytes for the persistent cache: a JSON header where every typed array is
// replaced by a reference into an 8-byte-aligned binary section. Generic over value kinds.
//   "PWC1" | u32 header length | header JSON | padding | blobs

const MAGIC = 0x31435750; // "PWC1" little-endian
const ARRAYS = { Float32Array, Float64Array, Int32Array, Int8Array, Uint8Array, Uint16Array, BigInt64Array, Uint8ClampedArray } as const;
type ArrayName = keyof typeof ARRAYS;
interface Ref {
  $array: ArrayName;
  offset: number;
  length: number;
}

const align8 = (n: number) => (n + 7) & ~7;

export function encodeValue(value: unknown): Uint8Array {
  const blobs: ArrayBufferView[] = [];
  let offset = 0;
  const header = JSON.stringify(value, function (this: unknown, _k, v: unknown) {
    if (ArrayBuffer.isView(v) && !(v instanceof DataView)) {
      const ref: Ref = { $array: v.constructor.name as ArrayName, offset, length: (v as Uint8Array).length };
      if (!(ref.$array in ARRAYS)) throw new Error(`cannot persist a ${ref.$array}`);
      blobs.push(v);
      offset = align8(offset + v.byteLength);
      return ref;
    }
    return v;
  });
  const head = new TextEncoder().encode(header);
  const start = align8(8 + head.byteLength);
  const out = new Uint8Array(start + offset);
  const view = new DataView(out.buffer);
  view.setUint32(0, MAGIC, true);
  view.setUint32(4, head.byteLength, true);
  out.set(head, 8);
  let at = start;
  for (const b of blobs) {
    out.set(new Uint8Array(b.buffer, b.byteOffset, b.byteLength), at);
    at = align8(at + b.byteLength);
  }
  return out;
}

export function decodeValue<T = unknown>(bytes: Uint8Array): T {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.byteLength < 8 || view.getUint32(0, true) !== MAGIC) throw new Error('not a cached value');
  const len = view.getUint32(4, true);
  if (8 + len > bytes.byteLength) throw new Error('cached value is truncated');
  const start = align8(8 + len);
  // Copy the blob section once into an aligned buffer; every array is a view into it.
  const body = bytes.slice(start).buffer;
  return JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + len)), (_k, v: unknown) => {
    if (typeof v === 'object' && v !== null && '$array' in v) {
      const r = v as Ref;
      const Ctor = ARRAYS[r.$array];
      if (!Ctor) throw new Error(`unknown array type ${r.$array}`);
      const end = r.offset + r.length * Ctor.BYTES_PER_ELEMENT;
      if (end > body.byteLength) throw new Error('cached value is truncated');
      return new Ctor(body, r.offset, r.length);
    }
    return v;
  }) as T;
}
