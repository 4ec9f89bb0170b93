import { describe, expect, it } from 'vitest';
import { Rng } from './random.ts';
import { readSafetensors, readSafetensorsHeader, readTensor, SafetensorsError, safetensorsHeaderLength, writeSafetensors } from './safetensors.ts';
import { tensor, type Tensor } from './tensor.ts';

const enc = new TextEncoder();

/** A file from raw header text (not padded) and a data buffer, with a consistent length prefix. */
function fileOf(header: string, buffer: Uint8Array | number = 0): Uint8Array {
  const h = enc.encode(header);
  const data = typeof buffer === 'number' ? new Uint8Array(buffer) : buffer;
  const out = new Uint8Array(8 + h.length + data.length);
  new DataView(out.buffer).setUint32(0, h.length, true);
  out.set(h, 8);
  out.set(data, 8 + h.length);
  return out;
}

const f32Entry = (shape: number[], begin: number, end: number) => ({ dtype: 'F32', shape, data_offsets: [begin, end] });

function rejects(bytes: Uint8Array, message: RegExp, tensorName?: string, opts?: { maxHeaderBytes?: number }) {
  let err: unknown;
  try {
    readSafetensors(bytes, opts);
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(SafetensorsError);
  expect((err as Error).message).toMatch(message);
  expect((err as SafetensorsError).tensor).toBe(tensorName);
}

describe('safetensors round trip', () => {
  const all: Record<string, Tensor> = {
    f32: tensor('float32', [2, 3], [1.5, -2, 0, Infinity, -0, 3.4e38]),
    f16: tensor('float16', [3], [0x3c00, 0xc000, 0x7e00]),
    f64: tensor('float64', [2], [Math.PI, -1e-300]),
    i64: tensor('int64', [2], [-(2n ** 63n), 2n ** 63n - 1n]),
    i32: tensor('int32', [1, 2], [-(2 ** 31), 2 ** 31 - 1]),
    i8: tensor('int8', [3], [-128, 0, 127]),
    u8: tensor('uint8', [2, 2], [0, 1, 254, 255]),
    bool: tensor('bool', [3], [1, 0, 1]),
    scalar: tensor('float32', [], [7]),
    empty: tensor('int64', [0, 4]),
  };

  it('keeps every dtype, shape and bit, and the metadata', () => {
    const bytes = writeSafetensors(all, { format: 'pt', note: 'ünïcode ✓' });
    const { tensors, metadata } = readSafetensors(bytes);
    expect(metadata).toEqual({ format: 'pt', note: 'ünïcode ✓' });
    expect(Object.keys(tensors).sort()).toEqual(Object.keys(all).sort());
    for (const [name, t] of Object.entries(all)) {
      const r = tensors[name];
      expect(r.dtype, name).toBe(t.dtype);
      expect(r.shape, name).toEqual(t.shape);
      expect(r.data.constructor, name).toBe(t.data.constructor);
      expect(Array.from(r.data as ArrayLike<number | bigint>), name).toEqual(Array.from(t.data as ArrayLike<number | bigint>));
    }
    expect(Object.is((tensors.f32.data as Float32Array)[4], -0)).toBe(true);
  });

  it('copies tensors out of the file buffer', () => {
    const bytes = writeSafetensors({ a: tensor('float32', [2], [1, 2]) });
    const { tensors } = readSafetensors(bytes);
    bytes.fill(0);
    expect(Array.from(tensors.a.data as Float32Array)).toEqual([1, 2]);
  });

  it('matches the reference writer byte for byte', () => {
    // Expected bytes from the reference implementation's own serialization tests.
    const data = tensor('float32', [1, 2, 3], [0, 1, 2, 3, 4, 5]);
    const out = writeSafetensors({ 'attn.0': data });
    const header = '{"attn.0":{"dtype":"F32","shape":[1,2,3],"data_offsets":[0,24]}}';
    expect(header.length).toBe(64);
    expect(Array.from(out)).toEqual([64, 0, 0, 0, 0, 0, 0, 0, ...enc.encode(header), ...new Uint8Array(data.data.buffer)]);
    // Needs padding: 57 bytes of JSON + 7 spaces.
    const out2 = writeSafetensors({ attn0: tensor('float32', [1, 1, 2, 3], data.data) });
    expect(out2[0]).toBe(72);
    expect(new TextDecoder().decode(out2.subarray(8, 80))).toBe('{"attn0":{"dtype":"F32","shape":[1,1,2,3],"data_offsets":[0,24]}}       ');
    expect(Array.from(writeSafetensors({}))).toEqual([8, 0, 0, 0, 0, 0, 0, 0, 123, 125, 32, 32, 32, 32, 32, 32]);
    expect(new TextDecoder().decode(writeSafetensors({}, { framework: 'pt' }).subarray(8))).toBe('{"__metadata__":{"framework":"pt"}}     ');
  });

  it('orders tensors widest dtype first, then by name, so each is aligned to its element size', () => {
    const bytes = writeSafetensors({
      b: tensor('uint8', [3], [1, 2, 3]),
      a: tensor('float16', [1], [1]),
      z: tensor('float64', [1], [1]),
      c: tensor('float32', [1], [1]),
      '10': tensor('int64', [1], [1]),
      '9': tensor('int64', [1], [1]),
    });
    const h = readSafetensorsHeader(bytes);
    expect(h.entries.map((e) => e.name)).toEqual(['10', '9', 'z', 'c', 'a', 'b']);
    expect(h.dataStart % 8).toBe(0);
    for (const e of h.entries) expect(e.begin % { I64: 8, F64: 8, F32: 4, F16: 2, U8: 1 }[e.dtype as 'U8']!).toBe(0);
    // The JSON itself lists them in that order too (integer-like names are not hoisted).
    const text = new TextDecoder().decode(bytes.subarray(8, h.dataStart));
    expect(text.indexOf('"10"')).toBeLessThan(text.indexOf('"9"'));
  });

  it('treats a tensor called __proto__ as an ordinary name', () => {
    // A computed __proto__ key in a literal makes an own property; the reader must do the same.
    const { tensors } = readSafetensors(writeSafetensors({ ['__proto__']: tensor('int32', [1], [5]) }));
    expect(Object.keys(tensors)).toEqual(['__proto__']);
    expect(Object.getPrototypeOf(tensors)).toBe(Object.prototype);
    expect(Array.from(tensors['__proto__'].data as Int32Array)).toEqual([5]);
  });

  it('widens BF16 to float32 exactly', () => {
    const raw = new Uint16Array([0x3f80, 0xc000, 0x7f80, 0x3fc1, 0x0001]);
    const bytes = fileOf(JSON.stringify({ w: { dtype: 'BF16', shape: [5], data_offsets: [0, 10] } }), new Uint8Array(raw.buffer));
    const { w } = readSafetensors(bytes).tensors;
    expect(w.dtype).toBe('float32');
    expect(Array.from(w.data as Float32Array)).toEqual([1, -2, Infinity, 1.5078125, new Float32Array(new Uint32Array([0x10000]).buffer)[0]]);
  });

  it('reads the header lazily, also from just the beginning of a file', () => {
    const bytes = writeSafetensors({ w: tensor('float32', [2, 2], [1, 2, 3, 4]), b: tensor('int32', [2], [5, 6]) }, { k: 'v' });
    const n = safetensorsHeaderLength(bytes.subarray(0, 8));
    const h = readSafetensorsHeader(bytes.subarray(0, 8 + n), { fileSize: bytes.length });
    expect(h.dataStart).toBe(8 + n);
    expect(h.metadata).toEqual({ k: 'v' });
    expect(h.entries.map((e) => [e.name, e.dtype, e.shape, e.begin, e.end])).toEqual([
      ['w', 'F32', [2, 2], 0, 16],
      ['b', 'I32', [2], 16, 24],
    ]);
    expect(Array.from(readTensor(bytes, h, 'w').data as Float32Array)).toEqual([1, 2, 3, 4]);
    expect(() => readTensor(bytes, h, 'nope')).toThrow(SafetensorsError);
    expect(() => readTensor(bytes.subarray(0, 20), h, 'w')).toThrow(/whole/);
    // A prefix without fileSize is validated as if it were the whole file.
    expect(() => readSafetensorsHeader(bytes.subarray(0, 8 + n))).toThrow(/past the end/);
  });

  it('refuses to write what it could not read back', () => {
    expect(() => writeSafetensors({ __metadata__: tensor('float32', [1]) })).toThrow(SafetensorsError);
    const bad = { dtype: 'float32', shape: [3], data: new Float32Array(2) } as Tensor;
    expect(() => writeSafetensors({ bad })).toThrow(/does not hold float32 \[3\]/);
    expect(() => writeSafetensors({}, { a: 1 as unknown as string })).toThrow(/not a string/);
  });
});

describe('safetensors rejects malformed files', () => {
  const ok = (t: Record<string, unknown>) => JSON.stringify(t);

  it('accepts the baseline used below', () => {
    expect(readSafetensors(fileOf(ok({ a: f32Entry([2], 0, 8) }), 8)).tensors.a.shape).toEqual([2]);
  });
  it('file shorter than 8 bytes', () => rejects(new Uint8Array(7), /shorter than the 8-byte/));
  it('header length past the end of the file', () => {
    const f = fileOf('{}');
    f[0] = 200;
    rejects(f, /runs past the end/);
  });
  it('header length above the cap, without allocating it', () => {
    rejects(fileOf(ok({ a: f32Entry([2], 0, 8) }), 8), /exceeds the limit of 16/, undefined, { maxHeaderBytes: 16 });
    const huge = new Uint8Array(16);
    huge.fill(0xff, 0, 8);
    rejects(huge, /exceeds the limit/);
    const big = new Uint8Array(16);
    new DataView(big.buffer).setUint32(0, 100_000_001, true);
    rejects(big, /header length 100000001 exceeds/);
  });
  it('header not UTF-8', () => {
    const f = fileOf('{"a":1}');
    f[10] = 0xff;
    rejects(f, /not valid UTF-8/);
  });
  it('header not JSON', () => rejects(fileOf('{"a":'), /not valid JSON/));
  it('header not an object', () => {
    rejects(fileOf('[1,2]'), /does not start with "\{"/);
    rejects(fileOf(' {}'), /does not start with "\{"/);
    rejects(fileOf('\ufeff{}'), /does not start with "\{"/);
  });
  it('entry not an object', () => {
    rejects(fileOf(ok({ a: [1] })), /entry is not an object/, 'a');
    rejects(fileOf(ok({ a: null })), /entry is not an object/, 'a');
  });
  it('entry with unknown or missing keys', () => {
    rejects(fileOf(ok({ a: { ...f32Entry([2], 0, 8), offsets: [0, 8] } }), 8), /unknown key "offsets"/, 'a');
    rejects(fileOf(ok({ a: { dtype: 'F32', shape: [2] } }), 8), /missing data_offsets/, 'a');
  });
  it('unknown dtype', () => {
    for (const dtype of ['U16', 'F8_E4M3', 'float32', 'f32', 7, 'constructor'])
      rejects(fileOf(ok({ a: { dtype, shape: [2], data_offsets: [0, 8] } }), 8), /unsupported dtype/, 'a');
  });
  it('shape not an array of non-negative safe integers', () => {
    for (const shape of [2, [2.5], [-1], ['2'], [null], [2 ** 53], [2 ** 40, 2 ** 40]])
      rejects(fileOf(ok({ a: { dtype: 'F32', shape, data_offsets: [0, 8] } }), 8), /shape/, 'a');
  });
  it('data_offsets not two safe integers in order', () => {
    for (const off of [[0], [0, 8, 8], [0, 8.5], [-8, 0], ['0', 8], [0, 2 ** 53], { 0: 0, 1: 8 }])
      rejects(fileOf(ok({ a: { dtype: 'F32', shape: [2], data_offsets: off } }), 8), /data_offsets .* not a pair/, 'a');
    rejects(fileOf(ok({ a: f32Entry([2], 8, 0) }), 8), /ends before it begins/, 'a');
  });
  it('size mismatch', () => {
    rejects(fileOf(ok({ a: f32Entry([3], 0, 8) }), 8), /8 bytes at \[0, 8\) but F32 \[3\] needs 12/, 'a');
    rejects(fileOf(ok({ a: { dtype: 'F64', shape: [2], data_offsets: [0, 8] } }), 8), /needs 16/, 'a');
  });
  it('offsets past the end of the buffer', () => rejects(fileOf(ok({ a: f32Entry([2], 0, 8) }), 4), /run past the end of the 4-byte data buffer/, 'a'));
  it('overlapping tensors', () => {
    rejects(fileOf(ok({ a: f32Entry([2], 0, 8), b: f32Entry([2], 4, 12) }), 12), /overlap tensor "a"/, 'b');
    rejects(fileOf(ok({ a: f32Entry([2], 0, 8), b: f32Entry([2], 0, 8) }), 8), /overlap/, 'b');
    rejects(fileOf(ok({ a: f32Entry([2], 0, 8), z: f32Entry([0], 4, 4) }), 8), /overlap tensor "a"/, 'z');
  });
  it('gaps between tensors', () => {
    rejects(fileOf(ok({ a: f32Entry([1], 0, 4), b: f32Entry([1], 8, 12) }), 12), /unused bytes \[4, 8\)/, 'b');
    rejects(fileOf(ok({ a: f32Entry([1], 4, 8) }), 8), /unused bytes \[0, 4\)/, 'a');
  });
  it('unused trailing bytes', () => {
    rejects(fileOf(ok({ a: f32Entry([1], 0, 4) }), 5), /cover 4 bytes but the data buffer has 5/);
    rejects(fileOf('{}', 1), /cover 0 bytes/);
  });
  it('duplicate names, and duplicate keys inside entries or metadata', () => {
    const e = ok(f32Entry([1], 0, 4));
    rejects(fileOf(`{"a":${e},"a":${e}}`, 4), /key "a" twice/);
    rejects(fileOf(`{"a":${e}, "\\u0061" :${e}}`, 4), /key "a" twice/);
    rejects(fileOf(`{"a":{"dtype":"F32","dtype":"F32","shape":[1],"data_offsets":[0,4]}}`, 4), /key "dtype" twice/);
    rejects(fileOf(`{"__metadata__":{"k":"1","k":"2"}}`), /key "k" twice/);
    // The same name in different objects, or as a value, is fine.
    expect(() => readSafetensors(fileOf(`{"__metadata__":{"a":"a","dtype":"x"},"a":${e}}`, 4))).not.toThrow();
  });
  it('metadata not a map of strings', () => {
    rejects(fileOf(ok({ __metadata__: { a: 1 } })), /__metadata__ value for "a" is not a string/);
    rejects(fileOf(ok({ __metadata__: ['a'] })), /__metadata__ is not an object/);
    rejects(fileOf(ok({ __metadata__: 'a' })), /__metadata__ is not an object/);
  });
  it('BOOL bytes other than 0 and 1', () =>
    rejects(fileOf(ok({ m: { dtype: 'BOOL', shape: [2], data_offsets: [0, 2] } }), new Uint8Array([1, 2])), /BOOL byte 2 at element 1/, 'm'));
});

describe('safetensors fuzz', () => {
  it('throws only SafetensorsError on mutated and truncated files, quickly', () => {
    const rng = new Rng(1234);
    const base = writeSafetensors(
      {
        'layer.0.weight': tensor('float32', [2, 3], [1, 2, 3, 4, 5, 6]),
        'layer.0.bias': tensor('float16', [3], [1, 2, 3]),
        steps: tensor('int64', [1], [9]),
        mask: tensor('bool', [4], [1, 0, 0, 1]),
        idx: tensor('int8', [2], [-1, 1]),
      },
      { framework: 'pt', 'ключ': 'значение' },
    );
    const n = safetensorsHeaderLength(base);
    const headerText = new TextDecoder().decode(base.subarray(8, 8 + n)).trimEnd();
    const data = base.subarray(8 + n);
    const numbers = ['-1', '0', '1', '3', '7', '8', '1.5', '1e300', '9007199254740993', '4294967296', '"8"', 'null', '[]', '{}'];
    const tokens = ['"F32"', '"BF16"', '"U16"', '"BOOL"', '"__metadata__"', '"shape"', '"dtype"', '"data_offsets"', ',', ':', '{', '}', '[', ']', '"'];

    let ok = 0;
    let rejected = 0;
    const t0 = performance.now();
    for (let c = 0; c < 5000; c++) {
      let f: Uint8Array;
      const kind = c % 6;
      if (kind === 0) {
        // Random byte flips anywhere, header length included.
        f = base.slice();
        for (let k = 1 + rng.int(4); k > 0; k--) f[rng.int(f.length)] ^= 1 << rng.int(8);
      } else if (kind === 1) {
        f = base.slice(0, rng.int(base.length));
      } else if (kind === 2) {
        // Random header length, including values far past the file and the cap.
        f = base.slice();
        const dv = new DataView(f.buffer);
        dv.setUint32(0, rng.int(2) ? rng.int(2 * base.length) : Math.floor(rng.next() * 2 ** 32), true);
        dv.setUint32(4, rng.int(4) === 0 ? Math.floor(rng.next() * 2 ** 32) : 0, true);
      } else if (kind === 3) {
        // Replace a number in the header with another, keeping the length prefix consistent.
        const matches = [...headerText.matchAll(/\d+/g)];
        const m = matches[rng.int(matches.length)];
        const repl = rng.int(2) ? numbers[rng.int(numbers.length)] : String(Number(m[0]) + rng.int(9) - 4);
        f = fileOf(headerText.slice(0, m.index) + repl + headerText.slice(m.index! + m[0].length), data);
      } else if (kind === 4) {
        // Splice structural tokens or delete a span of the header.
        const at = rng.int(headerText.length);
        const del = rng.int(6);
        const ins = rng.int(2) ? tokens[rng.int(tokens.length)] : '';
        f = fileOf(headerText.slice(0, at) + ins + headerText.slice(at + del), data.subarray(0, data.length - (rng.int(3) === 0 ? rng.int(8) : 0)));
      } else {
        // Grow or shrink the data buffer.
        const extra = rng.int(3) - 1;
        f = fileOf(headerText, extra >= 0 ? new Uint8Array([...data, ...new Uint8Array(extra * (1 + rng.int(8)))]) : data.subarray(1 + rng.int(8)));
      }
      try {
        readSafetensors(f);
        ok++;
      } catch (e) {
        if (!(e instanceof SafetensorsError)) throw new Error(`case ${c} (kind ${kind}) threw ${String(e)}`);
        rejected++;
      }
    }
    expect(ok + rejected).toBe(5000);
    expect(rejected).toBeGreaterThan(3000);
    expect(ok).toBeGreaterThan(10); // some mutations (e.g. inside data, or renaming a key) are still valid files
    expect(performance.now() - t0).toBeLessThan(8000); // generous: CPUs are shared; a huge allocation would take far longer or crash
  });
});
