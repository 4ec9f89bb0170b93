import { describe, expect, it } from 'vitest';
import { grad, GraphBuilder, Params, Rng, randn, type Tensor, toOnnxBytes } from '../../ml/index.ts';
import { nodeBackend } from '../../ml/session/node.ts';
import { buildTrainingGraph, ClipEmbedder, clipConfig } from '../evaluator/index.ts';
import { reconstructionPerImage, TARGET_EMBEDDING, towerWeights } from './perceptual.ts';

const evaluator = clipConfig({ imageSize: 16, channels: [4, 8], blocks: [0, 1], groups: 2, embedDim: 8, vocabSize: 10, maxLength: 4, padId: 0, textDim: 8, textLayers: 1, textHeads: 2 });
const B = 2;

function lossGraph(perceptual: number) {
  const b = new GraphBuilder('reconstruction');
  const p = new Params(b, { seed: 3 });
  const image = b.input('image', 'float32', [B, 3, 16, 16]);
  const target = b.input('target', 'float32', [B, 3, 16, 16]);
  b.output(reconstructionPerImage(p, evaluator, image, target, { pixel: 1, perceptual }), 'loss');
  return { graph: b.build(), p };
}

describe('reconstruction loss', () => {
  it('is zero for the target itself, grows with the difference, and differentiates to the image', async () => {
    const { graph, p } = lossGraph(0.5);
    // The whole evaluator (both towers), as the pack ships it.
    const weights = buildTrainingGraph(evaluator, B, 5).params.initial();
    const rng = new Rng(1);
    const target = randn([B, 3, 16, 16], rng);
    const embedder = await ClipEmbedder.create(evaluator, weights, { backend: nodeBackend, batch: B });
    const targetEmb: Tensor = { dtype: 'float32', shape: [B, evaluator.embedDim], data: (await embedder.embedImages(target.data as Float32Array, B)).embedding.data };
    const s = await nodeBackend.create(toOnnxBytes(grad(graph, { loss: 'loss', wrt: ['image'] })));
    try {
      const run = async (image: Tensor) => s.run({ ...towerWeights(p, weights), image, target, [TARGET_EMBEDDING]: targetEmb }, ['loss', 'image_grad']);
      const same = await run(target);
      for (const v of same.loss.data as Float32Array) expect(Math.abs(v)).toBeLessThan(1e-5);
      const off = randn([B, 3, 16, 16], rng);
      const other = await run(off);
      for (const v of other.loss.data as Float32Array) expect(v).toBeGreaterThan(1.5); // pixel MSE of two N(0,1) draws ≈ 2
      expect((other.image_grad.data as Float32Array).some((v) => v !== 0)).toBe(true);
    } finally {
      await s.release();
      await embedder.release?.();
    }
  });

  it('names a missing evaluator weight', () => {
    const { p } = lossGraph(0.5);
    expect(() => towerWeights(p, {})).toThrow(/the evaluator has no weight "image\./);
  });
});
