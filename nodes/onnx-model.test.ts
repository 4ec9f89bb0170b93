// The ONNX Model node and the optimization nodes reaching an imported model through the family
// interface, on the real Node platform: a classifier-like model with external weights, the shipped
// generator, and the refusals a person meets (wrong image size, a pack-only node given an ONNX model).
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { f32, randn, Rng } from '../ml/index.ts';
import { ONNX_DTYPE } from '../ml/dtype.ts';
import { onnx } from '../ml/onnx/proto.ts';
import { nodeMsg, valueMsg } from '../ml/onnx/test-models.ts';
import { runNode, tensorOf, testImages } from './personalize/testing.ts';

const GENERATOR = 'models/onnx-generator/generator.onnx';

describe('ONNX Model node', () => {
  it('runs the shipped generator from a seeded draw and hands on a reference for the optimizers', async () => {
    const a = await runNode('onnx-model', { source: GENERATOR, seed: 3 });
    const b = await runNode('onnx-model', { source: GENERATOR, seed: 3 });
    const img = tensorOf(a.outputs, 'images');
    expect(img.shape).toEqual([1, 3, 16, 16]);
    expect(Math.min(...(img.data as Float32Array))).toBeGreaterThanOrEqual(0);
    expect(Array.from(img.data as Float32Array)).toEqual(Array.from(tensorOf(b.outputs, 'images').data as Float32Array));
    expect(a.outputs.model).toMatchObject({ kind: 'model', pack: `onnx:${GENERATOR}`, onnx: { input: 'z', output: 'image', range: '-1..1' } });
    expect((a.outputs.tensor as { space: string }).space).toBe('onnx:image');
  });

  it('inverts through it in the Latent Optimizer and tunes it in the LoRA Trainer; the LoRA runs back in the node', async () => {
    const model = (await runNode('onnx-model', { source: GENERATOR })).outputs.model;
    const images = testImages(1, 16, 5);
    const inv = await runNode('latent-optimizer', { steps: 20, lr: 0.05 }, { model, images });
    const latent = inv.outputs.latent as unknown as { space: string; tensor: { shape: number[] } };
    expect([latent.space, latent.tensor.shape]).toEqual(['onnx:z', [1, 32]]);
    const losses = (inv.outputs.loss as { values: number[] }).values;
    expect(losses[losses.length - 1]).toBeLessThan(losses[0]);
    const held = (await runNode('onnx-model', { source: GENERATOR }, { input: latent })).outputs.model;
    const tuned = await runNode('lora-trainer', { steps: 10, lr: 0.003, rank: 2, alpha: 2 }, { model: held, images });
    const lora = tuned.outputs.lora as { tensors: Record<string, unknown>; meta: Record<string, string> };
    expect(lora.meta).toMatchObject({ family: 'onnx', rank: '2', alpha: '2' });
    const before = tensorOf((await runNode('onnx-model', { source: GENERATOR }, { input: latent })).outputs, 'images');
    const after = tensorOf((await runNode('onnx-model', { source: GENERATOR }, { input: latent, lora })).outputs, 'images');
    // The Decoder renders the inverted latent through the same model.
    const decoded = tensorOf((await runNode('decoder', {}, { model: held, latent })).outputs, 'images');
    expect(Array.from(decoded.data as Float32Array)).toEqual(Array.from(before.data as Float32Array));
    const decodedTuned = tensorOf((await runNode('decoder', {}, { model: held, latent, lora })).outputs, 'images');
    expect(Array.from(decodedTuned.data as Float32Array)).toEqual(Array.from(after.data as Float32Array));
    expect(Array.from(after.data as Float32Array)).not.toEqual(Array.from(before.data as Float32Array));
  });

  it('says what does not fit: image size, a wired value of another shape, a pack-only node', async () => {
    const model = (await runNode('onnx-model', { source: GENERATOR })).outputs.model;
    await expect(runNode('latent-optimizer', { steps: 2 }, { model, images: testImages(1, 32) })).rejects.toThrow(/32×32 but "generator" makes 16×16: put a Resize\/Crop/);
    await expect(runNode('onnx-model', { source: GENERATOR }, { input: { kind: 'latent', space: 'x', tensor: f32([1, 8]) } })).rejects.toThrow(/input "z" of "generator" is \[1,32\]; the wired value is \[1,8\]/);
    await expect(runNode('decoder', {}, { model, latent: { kind: 'latent', space: 'latent', tensor: f32([1, 4, 16, 16]) } })).rejects.toThrow(/decodes latents in "onnx:z" space, got one in "latent" space/);
    await expect(runNode('sampler', {}, { model, prompt: { kind: 'prompt', text: 'a cat' } })).rejects.toThrow(/is an imported ONNX model, which offers no sampling/);
    await expect(runNode('onnx-model', { source: GENERATOR, output: 'logits' })).rejects.toThrow(/no output named "logits"; its outputs: image \[1,3,16,16\]/);
  });

  it('reads weights kept beside the model, and shows a non-image output as a tensor', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'onnx-node-'));
    const W = randn([3 * 4 * 4, 5], new Rng(2));
    await writeFile(join(dir, 'head.bin'), new Uint8Array(W.data.buffer));
    const m = onnx.ModelProto.create({
      irVersion: 7,
      opsetImport: [{ domain: '', version: 11 }],
      graph: {
        name: 'classifier',
        node: [nodeMsg('Flatten', ['x'], ['f']), nodeMsg('MatMul', ['f', 'w'], ['logits'])],
        input: [valueMsg('x', 'float32', ['batch', 3, 4, 4])],
        output: [valueMsg('logits', 'float32', ['batch', 5])],
        initializer: [
          { name: 'w', dataType: ONNX_DTYPE.float32, dims: [48, 5], dataLocation: onnx.TensorProto.DataLocation.EXTERNAL, externalData: [{ key: 'location', value: 'head.bin' }] },
        ],
      },
    });
    await writeFile(join(dir, 'classifier.onnx'), onnx.ModelProto.encode(m).finish());
    const { outputs } = await runNode('onnx-model', { source: join(dir, 'classifier.onnx'), range: '0..1' }, { images: testImages(2, 4) });
    expect((outputs.tensor as unknown as { tensor: { shape: number[] } }).tensor.shape).toEqual([2, 5]);
    expect(tensorOf(outputs, 'images').shape).toEqual([0, 3, 1, 1]);
  });
});
