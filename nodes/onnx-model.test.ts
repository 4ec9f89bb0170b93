// The ONNX Model node and the optimization nodes reaching an imported model through the family
// interface, on the real Node platform: a classifier-like model with external weights, the shipped
// generator, and the refusals a person meets (wrong image size, a pack-only node given an ONNX model).
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { f32, GraphBuilder, randn, Rng, toOnnxBytes } from '../ml/index.ts';
import { ONNX_DTYPE } from '../ml/dtype.ts';
import { onnx } from '../ml/onnx/proto.ts';
import { nodeMsg, valueMsg } from '../ml/onnx/test-models.ts';
import { nodePlatform } from '../runtime/node/index.ts';
import { readOnnxPorts } from './personalize/onnx-models.ts';
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

describe('ONNX Model node with its file\'s ports recorded', () => {
  // Two inputs and two outputs, written by the engine's own ONNX writer:
  // picture = photo / 2 + reshape(z · W) (an image), score = z · V (a tensor).
  const W = randn([4, 48], new Rng(7), 0.1);
  const V = randn([4, 2], new Rng(8));
  async function twoByTwo(): Promise<string> {
    const b = new GraphBuilder('two-by-two', 13);
    const z = b.input('z', 'float32', [1, 4]);
    const photo = b.input('photo', 'float32', [1, 3, 4, 4]);
    const shape = b.constant({ dtype: 'int64', shape: [4], data: BigInt64Array.from([1n, 3n, 4n, 4n]) }, 'shape');
    const half = b.constant(f32([1], new Float32Array([0.5])), 'half');
    const lifted = b.op1('Reshape', [b.op1('MatMul', [z, b.constant(W, 'W')]), shape]);
    b.output(b.op1('Add', [b.op1('Mul', [photo, half]), lifted]), 'picture');
    b.output(b.op1('MatMul', [z, b.constant(V, 'V')]), 'score');
    const dir = await mkdtemp(join(tmpdir(), 'onnx-ports-'));
    await writeFile(join(dir, 'two.onnx'), toOnnxBytes(b.build()));
    return join(dir, 'two.onnx');
  }
  const matmul = (a: Float32Array, m: Float32Array, cols: number) => Array.from({ length: cols }, (_, j) => a.reduce((s, x, i) => s + x * m[i * cols + j], 0));

  it('feeds both inputs and hands on both outputs, each by its own port', async () => {
    const source = await twoByTwo();
    const ports = await readOnnxPorts(source, 1, nodePlatform(), new AbortController().signal);
    expect(ports).toEqual({
      inputs: [{ name: 'z', dtype: 'float32', shape: [1, 4] }, { name: 'photo', dtype: 'float32', shape: [1, 3, 4, 4] }],
      outputs: [{ name: 'picture', dtype: 'float32', shape: [1, 3, 4, 4] }, { name: 'score', dtype: 'float32', shape: [1, 2] }],
    });
    const z = f32([1, 4], new Float32Array([0.5, -1, 2, 0.25]));
    const photo = testImages(1, 4, 3);
    const { outputs } = await runNode('onnx-model', { source, ports, range: '0..1', input: 'z', output: 'picture' }, { z: { kind: 'latent', space: 'x', tensor: z }, photo });
    expect(Object.keys(outputs).sort()).toEqual(['model', 'picture', 'score']);
    const lifted = matmul(z.data as Float32Array, W.data as Float32Array, 48);
    const want = Array.from(photo.tensor.data as Float32Array, (v, i) => Math.min(1, Math.max(0, v / 2 + lifted[i])));
    const picture = tensorOf(outputs, 'picture');
    expect(outputs.picture.kind).toBe('image');
    picture.data.forEach((v, i) => expect(v).toBeCloseTo(want[i], 5));
    expect(outputs.score).toMatchObject({ kind: 'latent', space: 'onnx:score' });
    tensorOf(outputs, 'score').data.forEach((v, i) => expect(v).toBeCloseTo(matmul(z.data as Float32Array, V.data as Float32Array, 2)[i], 5));
    // The chosen input's wired value is what the optimizers hold.
    expect(outputs.model).toMatchObject({ onnx: { input: 'z', output: 'picture', value: { shape: [1, 4] } } });

    // Unwired, a float input gets a seeded draw: the same seed gives the same picture, another seed another.
    const drawn = async (seed: number) => Array.from(tensorOf((await runNode('onnx-model', { source, ports, range: '0..1', seed }, { photo })).outputs, 'picture').data);
    expect(await drawn(4)).toEqual(await drawn(4));
    expect(await drawn(4)).not.toEqual(await drawn(5));
  });

  it('says which recorded port the file no longer has', async () => {
    const source = await twoByTwo();
    const ports = await readOnnxPorts(source, 1, nodePlatform(), new AbortController().signal);
    const changed = { ...ports, inputs: [...ports.inputs, { name: 'class', dtype: 'int64', shape: [1] }] };
    const label = { kind: 'latent' as const, space: 'x', tensor: { dtype: 'int64' as const, shape: [1], data: BigInt64Array.from([1n]) } };
    await expect(runNode('onnx-model', { source, ports: changed }, { class: label })).rejects.toThrow(
      /input "class" is no longer in .*two\.onnx \(its inputs: z \[1,4\], photo \[1,3,4,4\]\): the file changed since its ports were read; choose the file again/,
    );
    const gone = { ...ports, outputs: [{ name: 'logits', dtype: 'float32', shape: [1, 10] }] };
    await expect(runNode('onnx-model', { source, ports: gone })).rejects.toThrow(/output "logits" is no longer in .*two\.onnx \(its outputs: picture \[1,3,4,4\], score \[1,2\]\)/);
  });
});
