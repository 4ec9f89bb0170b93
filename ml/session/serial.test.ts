// onnxruntime-web runs every session in one wasm instance that refuses a run while another is in
// flight ("Session already started"). The fake runtime here refuses the same way, so the test shows
// what the `serial` backend option is for: runs started together take turns and all finish.
import { describe, expect, it } from 'vitest';
import { f32 } from '../tensor.ts';
import { ortBackend, type OrtLike } from './session.ts';

/** A runtime with one engine for all its sessions: y = 2x, after a tick; a second run at once fails. */
function oneEngineRuntime(): OrtLike {
  let busy = false;
  class Tensor {
    constructor(
      readonly type: string,
      readonly data: Float32Array,
      readonly dims: readonly number[],
    ) {}
  }
  return {
    Tensor: Tensor as unknown as OrtLike['Tensor'],
    InferenceSession: {
      async create() {
        return {
          inputNames: ['x'],
          outputNames: ['y'],
          async run(feeds: Record<string, unknown>) {
            if (busy) throw new Error('Session already started');
            busy = true;
            await new Promise((r) => setTimeout(r, 1));
            busy = false;
            const x = feeds.x as Tensor;
            return { y: new Tensor('float32', x.data.map((v) => 2 * v), x.dims) };
          },
          endProfiling() {},
          async release() {},
        };
      },
    },
  };
}

const together = async (serial: boolean) => {
  const backend = ortBackend('one-engine', oneEngineRuntime(), {}, { serial });
  const [a, b] = [await backend.create(new Uint8Array()), await backend.create(new Uint8Array())];
  return Promise.all(Array.from({ length: 4 }, (_, i) => (i % 2 ? a : b).run({ x: f32([1], [i]) }, ['y'])));
};

describe('a serial backend', () => {
  it('takes runs started together in turn, across sessions, each with its own result', async () => {
    const out = await together(true);
    expect(out.map((o) => (o.y.data as Float32Array)[0])).toEqual([0, 2, 4, 6]);
  });

  it('is what such a runtime needs: without it, runs started together fail', async () => {
    await expect(together(false)).rejects.toThrow(/Session already started/);
  });
});

describe('feeds a graph does not take', () => {
  // Models hand every graph their whole weight set; onnxruntime-web refuses a feed its graph does
  // not take while onnxruntime-node ignores it, so the adapter drops them for both.
  it('are dropped alike on onnxruntime-node and onnxruntime-web', async () => {
    const { GraphBuilder } = await import('../builder.ts');
    const { toOnnxBytes } = await import('../onnx/serialize.ts');
    const { nodeBackend } = await import('./node.ts');
    const { configureWasm, webBackend } = await import('./web.ts');
    configureWasm({ threads: 1 });
    const b = new GraphBuilder('double');
    b.output(b.op1('Add', [b.input('x', 'float32', [2]), b.input('x2', 'float32', [2])]), 'y');
    const bytes = toOnnxBytes(b.build());
    const feeds = { x: f32([2], [1, 2]), x2: f32([2], [3, 4]), unused: f32([1], [9]) };
    for (const backend of [nodeBackend, webBackend]) {
      const s = await backend.create(bytes);
      expect(Array.from((await s.run(feeds)).y.data as Float32Array), backend.name).toEqual([4, 6]);
      await s.release();
    }
  });
});
