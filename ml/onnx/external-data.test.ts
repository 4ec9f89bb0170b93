import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, describe, expect, it } from 'vitest';
import { ONNX_DTYPE } from '../dtype.ts';
import { checkGradients, describeFailures } from '../grad/check.ts';
import { withDefaults } from '../ir.ts';
import { closeness } from '../ops/test-run.ts';
import { randn, Rng } from '../random.ts';
import { nodeBackend } from '../session/node.ts';
import type { Tensor } from '../tensor.ts';
import { externalFromFiles } from './external-data.ts';
import { externalFilesBeside } from './external-files.ts';
import { importOnnx } from './import.ts';
import { onnx } from './proto.ts';
import { toOnnxBytes } from './serialize.ts';
import { nodeMsg as node, valueMsg } from './test-models.ts';

const dir = mkdtempSync(join(tmpdir(), 'onnx-external-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const rng = new Rng(3);

const bytesOf = (t: Tensor) => new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);

/** A MatMul + Add model whose weight and bias live in `file` at the given offsets. */
function externalModel(file: string, offsets: [number, number], W: Tensor, B: Tensor, location = file): Uint8Array {
  const ext = (name: string, t: Tensor, offset: number) => ({
    name,
    dataType: ONNX_DTYPE[t.dtype],
    dims: [...t.shape],
    dataLocation: onnx.TensorProto.DataLocation.EXTERNAL,
    externalData: [
      { key: 'location', value: location },
      { key: 'offset', value: String(offset) },
      { key: 'length', value: String(t.data.byteLength) },
    ],
  });
  const m = onnx.ModelProto.create({
    irVersion: 8,
    opsetImport: [{ domain: '', version: 13 }],
    graph: {
      name: 'external',
      node: [node('MatMul', ['x', 'w'], ['h']), node('Add', ['h', 'b'], ['y'])],
      input: [valueMsg('x', 'float32', [2, 4])],
      output: [valueMsg('y', 'float32', [2, 3])],
      initializer: [ext('w', W, offsets[0]), ext('b', B, offsets[1])],
    },
  });
  return onnx.ModelProto.encode(m).finish();
}

describe('external data', () => {
  it('reads weights beside the model, as onnxruntime does, and differentiates through them', async () => {
    const W = randn([4, 3], rng);
    const B = randn([3], rng);
    // Bias first, then the weight at an aligned offset further on (exporters align to 4096).
    const weights = new Uint8Array(4096 + W.data.byteLength);
    weights.set(bytesOf(B), 0);
    weights.set(bytesOf(W), 4096);
    writeFileSync(join(dir, 'weights.bin'), weights);
    const modelPath = join(dir, 'model.onnx');
    writeFileSync(modelPath, externalModel('weights.bin', [4096, 0], W, B));

    const x = randn([2, 4], rng);
    // onnxruntime opened on the file path finds the weights itself: the reference.
    const ref = await ort.InferenceSession.create(modelPath);
    const want = (await ref.run({ x: new ort.Tensor('float32', x.data as Float32Array, x.shape) })).y.data as Float32Array;
    await ref.release();
    const files = externalFilesBeside(modelPath);
    try {
      const g = importOnnx(readFileSync(modelPath), { external: files.read, trainable: ['w'] });
      const s = await nodeBackend.create(toOnnxBytes(g));
      const y = (await s.run(withDefaults(g, { x }))).y.data as Float32Array;
      await s.release();
      expect(closeness(y, want)).toBeLessThan(1);
      expect(g.defaults?.has('w')).toBe(true);
      const r = await checkGradients(g, { wrt: ['x', 'w'], feeds: { x }, backend: nodeBackend });
      expect(describeFailures(r)).toBe('');
    } finally {
      files.close();
    }
  });

  it('reads a tensor past the 2 GB mark of a 3 GB weights file without loading the file', () => {
    const W = randn([4, 3], rng);
    const B = randn([3], rng);
    const path = join(dir, 'big.bin');
    const far = 2.5 * 2 ** 30; // past what one ArrayBuffer view or a protobuf message may hold
    const fd = openSync(path, 'w');
    writeSync(fd, bytesOf(W), 0, W.data.byteLength, far);
    writeSync(fd, bytesOf(B), 0, B.data.byteLength, 3 * 2 ** 30 - 64);
    closeSync(fd);
    expect(statSync(path).size).toBeGreaterThan(3 * 2 ** 30 - 64);
    const files = externalFilesBeside(join(dir, 'big.onnx'));
    const before = process.memoryUsage().arrayBuffers;
    try {
      const g = importOnnx(externalModel('big.bin', [far, 3 * 2 ** 30 - 64], W, B), { external: files.read });
      expect(Array.from(g.initializers.get('w')!.data as Float32Array)).toEqual(Array.from(W.data as Float32Array));
      expect(Array.from(g.initializers.get('b')!.data as Float32Array)).toEqual(Array.from(B.data as Float32Array));
    } finally {
      files.close();
    }
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(64 * 2 ** 20);
  });

  it('reads from weight files given in memory (a browser picks them with the model)', () => {
    const W = randn([4, 3], rng);
    const B = randn([3], rng);
    const file = new Uint8Array(W.data.byteLength + B.data.byteLength + 8);
    file.set(bytesOf(W), 8);
    file.set(bytesOf(B), 8 + W.data.byteLength);
    const g = importOnnx(externalModel('w.bin', [8, 8 + W.data.byteLength], W, B), { external: externalFromFiles(new Map([['w.bin', file]])) });
    expect(Array.from(g.initializers.get('b')!.data as Float32Array)).toEqual(Array.from(B.data as Float32Array));
  });

  it('refuses locations outside the model folder, missing readers and short files, naming the tensor', () => {
    const W = randn([4, 3], rng);
    const B = randn([3], rng);
    const read = () => new Uint8Array(4);
    expect(() => importOnnx(externalModel('x', [0, 0], W, B, '../../etc/passwd'), { external: read })).toThrow(/tensor "w".*"\.\.\/\.\.\/etc\/passwd".*inside the model's folder/);
    expect(() => importOnnx(externalModel('x', [0, 0], W, B, '/etc/passwd'), { external: read })).toThrow(/inside the model's folder/);
    expect(() => importOnnx(externalModel('w.bin', [0, 0], W, B))).toThrow(/tensor "w" keeps its data in the external file "w.bin"/);
    expect(() => importOnnx(externalModel('w.bin', [0, 0], W, B), { external: read })).toThrow(/tensor "w": external file "w.bin" ends before/);
    writeFileSync(join(dir, 'short.bin'), new Uint8Array(10));
    const files = externalFilesBeside(join(dir, 'm.onnx'));
    expect(() => importOnnx(externalModel('short.bin', [0, 0], W, B), { external: files.read })).toThrow(/"short.bin" has 10 bytes/);
    files.close();
  });
});
