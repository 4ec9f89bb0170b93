import { describe, expect, it } from 'vitest';
import { decodeOnnx, f32, randn, Rng, type Tensor } from '../../ml/index.ts';
import { nodeBackend } from '../../ml/session/node.ts';
import { OnnxFamily } from './family.ts';
import { ImportedModel } from './imported-model.ts';
import { loraSpecFrom } from './lora.ts';
import { tinyGenerator } from './tiny-generator.ts';

const bytes = tinyGenerator();
const mse = (a: Tensor, b: Tensor) => {
  const x = a.data as Float32Array;
  const y = b.data as Float32Array;
  let s = 0;
  for (let i = 0; i < x.length; i++) s += (x[i] - y[i]) ** 2;
  return s / x.length;
};

describe('an imported generator (opset 9, written by the engine)', () => {
  it('is written at opset 9 and runs as onnxruntime runs the file', async () => {
    expect(decodeOnnx(bytes).opset).toBe(9);
    const m = ImportedModel.fromBytes(bytes, { backend: nodeBackend });
    expect(m.inputs.map((i) => [i.name, i.shape, i.image])).toEqual([['z', [1, 32], false]]);
    expect(m.outputs.map((o) => [o.name, o.shape, o.image])).toEqual([['image', [1, 3, 16, 16], true]]);
    expect(m.adaptable).toEqual(['fc.weight', 'up0.weight', 'up1.weight']);
    const z = randn([1, 32], new Rng(1));
    const s = await nodeBackend.create(bytes);
    const want = (await s.run({ z })).image;
    await s.release();
    expect(mse((await m.run({ z })).image, want)).toBeLessThan(1e-10);
    await m.release();
  });

  it('inverts: finds a latent whose image matches a target the generator can make', async () => {
    const m = ImportedModel.fromBytes(bytes, { backend: nodeBackend });
    const target = (await m.run({ z: randn([1, 32], new Rng(7)) })).image;
    const r = await m.invert({ input: 'z', output: 'image', targets: target, steps: 80, lr: 0.1, seed: 3 });
    expect(r.losses[r.losses.length - 1]).toBeLessThan(0.2 * r.losses[0]);
    expect(mse((await m.run({ z: r.value })).image, target)).toBeLessThan(0.3 * r.losses[0]);
    await m.release();
  });

  it('tunes LoRA on chosen weights: starts as the model, lowers the loss, and the adapted run agrees', async () => {
    const m = ImportedModel.fromBytes(bytes, { backend: nodeBackend });
    const fam = new OnnxFamily(m, { range: '-1..1', weights: ['up1.weight', 'fc.weight'], source: 'test' });
    // A target image no latent of this generator makes exactly: a smooth colour ramp.
    const img = f32([1, 3, 16, 16]);
    (img.data as Float32Array).forEach((_, i, a) => (a[i] = ((i % 16) + Math.floor(i / 256) * 4) / 24));
    const r = await fam.tune(img, { rank: 2, alpha: 2, steps: 40, lr: 0.01, seed: 0 });
    expect(Object.keys(r.tensors).sort()).toEqual(['fc.weight.lora_A', 'fc.weight.lora_B', 'up1.weight.lora_A', 'up1.weight.lora_B']);
    expect(r.meta.weights).toBe('up1.weight,fc.weight');
    expect(r.losses[r.losses.length - 1]).toBeLessThan(0.8 * r.losses[0]);
    const z = m.sampleInput('z', 0);
    const base = await fam.render(z);
    const targets = fam.toOutput(img);
    expect(mse(base, targets)).toBeCloseTo(r.losses[0], 4);
    const tuned = await fam.render(z, loraSpecFrom(r.tensors, r.meta));
    expect(mse(tuned, targets)).toBeLessThan(r.losses[0]);
    await m.release();
  });

  it('says what is wrong with images that do not fit the output', async () => {
    const m = ImportedModel.fromBytes(bytes, { backend: nodeBackend });
    const fam = new OnnxFamily(m, { range: '-1..1', source: 'test' });
    expect(() => fam.toOutput(f32([1, 3, 32, 32]))).toThrow(/32×32 but "tiny-generator" makes 16×16/);
    expect(() => new OnnxFamily(m, { range: '-1..1', input: 'w', source: 'test' })).toThrow(/no input named "w"; its inputs: z \[1,32\]/);
    await expect(m.tune({ input: 'z', output: 'image', inputValue: f32([1, 32]), targets: f32([1, 3, 16, 16]), weights: ['bn0.weight'], rank: 1, alpha: 1, steps: 1, lr: 1 })).rejects.toThrow(/"bn0.weight" is not a weight of a MatMul, Gemm or Conv/);
  });
});

describe('the generator the example graph ships', () => {
  it('is the tiny generator at opset 9, written by the engine, with trained weights of its shapes', async () => {
    const { readFileSync } = await import('node:fs');
    const shipped = decodeOnnx(readFileSync(new URL('../../public/models/onnx-generator/generator.onnx', import.meta.url)));
    expect([shipped.opset, shipped.producer]).toEqual([9, 'personalize-workbench']);
    const fresh = decodeOnnx(bytes);
    expect(shipped.nodes.map((n) => n.op)).toEqual(fresh.nodes.map((n) => n.op));
    expect([...shipped.initializers].map(([k, t]) => [k, t.shape])).toEqual([...fresh.initializers].map(([k, t]) => [k, t.shape]));
    // Trained (scripts/train-onnx-generator.ts), not the seeded starting point.
    expect(mse(shipped.initializers.get('fc.weight')!, fresh.initializers.get('fc.weight')!)).toBeGreaterThan(1e-6);
  });
});
