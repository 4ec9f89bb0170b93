import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GraphBuilder } from '../builder.ts';
import { toOnnxBytes } from '../onnx/serialize.ts';
import { nodeBackend } from '../session/node.ts';
import { f32 } from '../tensor.ts';
import { decodeModel, GradModelError, gradModel } from './grad-model.ts';

const FIXTURES = join(import.meta.dirname, '..', '..', 'test', 'fixtures', 'torch');
const convnet = () => readFileSync(join(FIXTURES, 'convnet_groupnorm.onnx'));
const unet = () => readFileSync(join(FIXTURES, 'unet_block.onnx'));

/** y = w·x + c, with w and c as initializers. */
function affineModel(): Uint8Array {
  const b = new GraphBuilder('affine');
  const x = b.input('x', 'float32', [3]);
  const w = b.constant(f32([3], [2, 3, 4]), 'w');
  const c = b.constant(f32([3], [1, 1, 1]), 'c');
  b.output(b.op1('Add', [b.op1('Mul', [x, w]), c]), 'y');
  return toOnnxBytes(b.build());
}

describe('gradModel', () => {
  it('turns the chosen initializers into default-valued inputs and adds one gradient per name', async () => {
    const { graph, bytes, trainable } = gradModel(affineModel(), { loss: 'y', wrt: ['x', 'w'] });
    expect(trainable).toEqual(['w']);
    expect([...graph.inputs].sort()).toEqual(['w', 'x']);
    expect(graph.outputs).toEqual(['y', 'x_grad', 'w_grad']);
    expect(decodeModel(bytes).initializers.has('w')).toBe(true);
    const s = await nodeBackend.create(bytes);
    try {
      // w is not fed: it keeps its stored value, so d sum(y)/dx = w and d sum(y)/dw = x.
      const out = await s.run({ x: f32([3], [5, 6, 7]) });
      expect([...(out.x_grad.data as Float32Array)]).toEqual([2, 3, 4]);
      expect([...(out.w_grad.data as Float32Array)]).toEqual([5, 6, 7]);
    } finally {
      await s.release();
    }
  });

  it('without stored values, the chosen initializers are plain inputs a caller feeds', async () => {
    const { bytes } = gradModel(affineModel(), { loss: 'y', wrt: ['w'], keepDefaults: false });
    expect(decodeModel(bytes).initializers.has('w')).toBe(false);
    const s = await nodeBackend.create(bytes);
    try {
      const out = await s.run({ x: f32([3], [5, 6, 7]), w: f32([3], [1, 1, 1]) });
      expect([...(out.y.data as Float32Array)]).toEqual([6, 7, 8]);
      expect([...(out.w_grad.data as Float32Array)]).toEqual([5, 6, 7]);
    } finally {
      await s.release();
    }
  });

  it('resolves symbolic dimensions from dims', () => {
    const { graph } = gradModel(convnet(), { loss: 'y', wrt: ['x'], dims: { batch: 5 } });
    expect(graph.values.get('x')!.shape).toEqual([5, 3, 8, 8]);
    expect(graph.values.get('x_grad')!.shape).toEqual([5, 3, 8, 8]);
  });

  const fails = (bytes: Uint8Array, opts: Parameters<typeof gradModel>[1], message: RegExp) =>
    expect(() => gradModel(bytes, opts)).toThrow(expect.objectContaining({ name: 'GradModelError', message: expect.stringMatching(message) }));

  it('names the outputs when the loss is not one', () => {
    fails(convnet(), { loss: 'z', wrt: ['x'], dims: { batch: 1 } }, /no output "z"; its outputs: y/);
  });

  it('names the float inputs and initializers when a wrt name is neither', () => {
    fails(convnet(), { loss: 'y', wrt: ['conv.weight'], dims: { batch: 1 } }, /"conv.weight" is neither[\s\S]*float inputs: x[\s\S]*conv_in\.weight/);
  });

  it('refuses integer inputs', () => {
    fails(unet(), { loss: 'y', wrt: ['t'] }, /input "t" is int64/);
  });

  it('asks for each symbolic dimension without a size, and rejects unknown ones', () => {
    fails(convnet(), { loss: 'y', wrt: ['x'] }, /"batch" \(of input "x"\).*--dim batch=/);
    fails(convnet(), { loss: 'y', wrt: ['x'], dims: { batch: 1, seq: 4 } }, /no symbolic dimension "seq"; its symbolic dimensions: batch/);
  });

  it('is a GradModelError, so the CLI prints only the message', () => {
    expect(() => gradModel(affineModel(), { loss: 'nope', wrt: ['x'] })).toThrow(GradModelError);
  });
});
