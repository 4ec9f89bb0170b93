import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, describe, expect, it } from 'vitest';
import { GraphBuilder } from '../builder.ts';
import type { Graph } from '../ir.ts';
import { randn, Rng } from '../random.ts';
import { i64, type Tensor } from '../tensor.ts';
import { externalFilesBeside } from './external-files.ts';
import { importOnnx } from './import.ts';
import { onnx } from './proto.ts';
import { decodeOnnx, EXTERNAL_DATA_ABOVE, needsExternalData, tensorBytes, toOnnxBytes, toOnnxParts } from './serialize.ts';
import { writeOnnxWithExternalData } from './write-external.ts';

const dir = mkdtempSync(join(tmpdir(), 'onnx-write-external-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const rng = new Rng(5);
const ORT_OPTS: ort.InferenceSession.SessionOptions = { intraOpNumThreads: 1, interOpNumThreads: 1, logSeverityLevel: 3 };
const bytesOf = (t: Tensor) => new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);

/**
 * y = x·W + b and z = E[idx]·mean(x)·½: W (64 KB), E (3200 B, not a page multiple) and idx
 * (int64, 1600 B) go external; b is exactly 1 KiB (the threshold) and a default input; ½ stays inline.
 */
function model(): Graph {
  const b = new GraphBuilder('external_writer');
  const x = b.input('x', 'float32', [2, 64]);
  const W = b.constant(randn([64, 256], rng), 'W');
  const bias = b.defaultInput('b', randn([256], rng));
  b.output(b.op1('Add', [b.op1('MatMul', [x, W]), bias]), 'y');
  const E = b.constant(randn([50, 16], rng), 'E');
  const idx = b.constant(i64([200], Array.from({ length: 200 }, (_, i) => (i * 7) % 50)), 'idx');
  const gathered = b.op1('Gather', [E, idx], { axis: 0 }, { noFold: true });
  b.output(b.op1('Mul', [b.op1('Mul', [gathered, b.op1('ReduceMean', [x], { keepdims: 0 })]), b.scalar(0.5)]), 'z');
  return b.build();
}

const external = (t: { externalData?: { key?: string | null; value?: string | null }[] | null }) =>
  Object.fromEntries((t.externalData ?? []).map((e) => [e.key, e.value]));

async function runOrt(source: string | Uint8Array, x: Tensor) {
  // The two overloads (a path, the bytes) do not take a union.
  const s = await (typeof source === 'string' ? ort.InferenceSession.create(source, ORT_OPTS) : ort.InferenceSession.create(source, ORT_OPTS));
  try {
    const r = await s.run({ x: new ort.Tensor('float32', x.data as Float32Array, x.shape) });
    return { y: Array.from(r.y.data as Float32Array), z: Array.from(r.z.data as Float32Array) };
  } finally {
    await s.release();
  }
}

describe('writing external data', () => {
  it('puts tensors of at least 1 KiB in the side file at page-aligned offsets, the rest inline', () => {
    const g = model();
    const parts = toOnnxParts(g, { location: 'm.onnx.data' }, { keepDefaults: true });
    const inits = onnx.ModelProto.decode(parts.model).graph!.initializer!;
    const side = new Uint8Array(parts.dataBytes);
    let at = 0;
    for (const c of parts.data) {
      side.set(c, at);
      at += c.byteLength;
    }
    expect(at).toBe(parts.dataBytes);

    const outside = inits.filter((t) => t.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL);
    expect(outside.map((t) => t.name).sort()).toEqual(['E', 'W', 'b', 'idx']);
    for (const t of outside) {
      const { location, offset, length } = external(t);
      const want = bytesOf(g.initializers.get(t.name!)!);
      expect(location).toBe('m.onnx.data');
      expect(Number(offset) % 4096).toBe(0);
      expect(Number(length)).toBe(want.byteLength);
      expect(t.rawData?.byteLength ?? 0).toBe(0);
      expect(side.subarray(Number(offset), Number(offset) + Number(length))).toEqual(want);
    }
    // Inline: only the scalar; the .onnx part is a fraction of the weights.
    const inline = inits.filter((t) => t.dataLocation !== onnx.TensorProto.DataLocation.EXTERNAL);
    expect(inline.map((t) => t.rawData!.byteLength)).toEqual([4]);
    expect(parts.model.byteLength).toBeLessThan(2048);

    // align 1 packs the tensors back to back; a higher threshold keeps more inline.
    const packed = toOnnxParts(g, { location: 'p.data', align: 1, threshold: 2000 }, { keepDefaults: true });
    const packedInits = onnx.ModelProto.decode(packed.model).graph!.initializer!;
    const spans = packedInits.filter((t) => t.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL).map((t) => external(t));
    expect(spans.map((s) => Number(s.length)).reduce((a, b) => a + b)).toBe(packed.dataBytes);
    expect(packedInits.find((t) => t.name === 'idx')!.rawData!.byteLength).toBe(1600);
  });

  it('writes a model onnxruntime opens from its path, computing what the in-memory model does', async () => {
    const g = model();
    const path = join(dir, 'model.onnx');
    const w = writeOnnxWithExternalData(g, path, { keepDefaults: true });
    expect(w.dataPath).toBe(`${path}.data`);
    expect(statSync(w.dataPath).size).toBe(w.dataBytes);
    expect(statSync(path).size).toBe(w.modelBytes);
    const x = randn([2, 64], rng);
    const fromFile = await runOrt(path, x);
    const inMemory = await runOrt(toOnnxBytes(g, { keepDefaults: true }), x);
    expect(fromFile).toEqual(inMemory);
    expect(fromFile.y.some((v) => v !== 0)).toBe(true);
  });

  it('reads back through the importer as the same graph and tensors', () => {
    const g = model();
    const path = join(dir, 'roundtrip.onnx');
    writeOnnxWithExternalData(g, path, { keepDefaults: true });
    const inline = toOnnxBytes(g, { keepDefaults: true });
    const files = externalFilesBeside(path);
    try {
      // The file as written: every tensor, byte for byte, and the same nodes as the inline model.
      const raw = decodeOnnx(readFileSync(path), { external: files.read });
      expect(raw).toEqual(decodeOnnx(inline));
      for (const name of ['W', 'b', 'E', 'idx']) expect(raw.initializers.get(name)).toEqual(g.initializers.get(name));
      // And imported (where Gather of two constants folds), the same graph as from the inline bytes.
      expect(importOnnx(readFileSync(path), { external: files.read, trainable: ['b'] })).toEqual(importOnnx(inline, { trainable: ['b'] }));
    } finally {
      files.close();
    }
  });

  it('decides on external data from shapes and types, before encoding anything', () => {
    const g = model();
    expect(tensorBytes(g, { keepDefaults: true })).toBe(tensorBytes(g) + 1024); // b only counts when kept
    expect(needsExternalData(g)).toBe(false);
    expect(needsExternalData(g, {}, tensorBytes(g) - 1)).toBe(true);

    // A 2.4 GB weight described, not allocated: only its shape and type are read.
    const huge: Tensor = { dtype: 'float32', shape: [600_000_000], data: new Float32Array(0) };
    g.initializers.set('W', huge);
    expect(tensorBytes(g)).toBeGreaterThan(2 ** 31);
    expect(tensorBytes(g)).toBeGreaterThan(EXTERNAL_DATA_ABOVE);
    expect(needsExternalData(g)).toBe(true);
    expect(() => toOnnxBytes(g)).toThrow(/graph "external_writer" holds 2\.40 GB of tensors, more than one ONNX file can .*external data/);

    // A big weight written as a plain input (keepDefaults off) leaves the file small again.
    const h = model();
    h.initializers.set('b', huge);
    expect(needsExternalData(h, { keepDefaults: true })).toBe(true);
    expect(needsExternalData(h, { keepDefaults: false })).toBe(false);
  });

  it('refuses a side file outside the model folder', () => {
    expect(() => toOnnxParts(model(), { location: '../elsewhere.data' })).toThrow(/"\.\.\/elsewhere\.data" must be a file inside the model's folder/);
  });

  // Past 2 GB for real (two 1.1 GB weights): about 9 GB of memory and a 2.2 GB file, so only on request.
  it.runIf(process.env.ONNX_BIG_TEST === '1')('writes and reopens a model past 2 GB', { timeout: 600_000 }, async () => {
    const rows = 268_500; // × 1024 floats: 1.1 GB per weight
    const weight = (scale: number) => {
      const data = new Float32Array(rows * 1024);
      for (let r = 0; r < rows; r += 4099) data.fill(r * scale, r * 1024, (r + 1) * 1024);
      return { dtype: 'float32' as const, shape: [rows, 1024], data };
    };
    const b = new GraphBuilder('big');
    const idx = b.input('idx', 'int64', [3]);
    const row = (w: string, scale: number) =>
      b.op1('ReduceMax', [b.op1('Gather', [b.constant(weight(scale), w), idx], { axis: 0 })], { axes: [1], keepdims: 0 });
    b.output(b.op1('Add', [row('W1', 1), row('W2', 2)]), 'y');
    const g = b.build();
    expect(needsExternalData(g)).toBe(true);
    const path = join(dir, 'big.onnx');
    const w = writeOnnxWithExternalData(g, path);
    expect(w.dataBytes).toBeGreaterThan(2 ** 31);
    expect(w.modelBytes).toBeLessThan(4096);
    // The last row of W2 lies past the 2 GB mark of the side file.
    const at = [0, 4099 * 30, Math.floor((rows - 1) / 4099) * 4099];
    const s = await ort.InferenceSession.create(path, ORT_OPTS);
    const y = (await s.run({ idx: new ort.Tensor('int64', BigInt64Array.from(at, BigInt), [3]) })).y.data as Float32Array;
    await s.release();
    expect(Array.from(y)).toEqual(at.map((r) => 3 * r));
    const files = externalFilesBeside(path);
    try {
      const back = decodeOnnx(readFileSync(path), { external: files.read });
      // Compared as bytes: vitest's toEqual cannot walk a billion-element array.
      const same = (name: string) => Buffer.from(bytesOf(back.initializers.get(name)!)).equals(bytesOf(g.initializers.get(name)!));
      expect([same('W1'), same('W2')]).toEqual([true, true]);
    } finally {
      files.close();
    }
  });
});
