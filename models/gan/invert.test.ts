import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Tensor } from '../../ml/index.ts';
import { codeShape, splitZ } from './codes.ts';
import type { GanModel } from './model.ts';
import { psnr, tinyGan as c, tinyModel } from './testing.ts';

let model: GanModel;
let target: Tensor;
beforeAll(async () => {
  model = await tinyModel();
  // Two images the generator itself makes (the default noise), so an exact inverse exists.
  target = await model.synthesize('w', await model.sample({ n: 2, seed: 11 }));
});
afterAll(() => model.release());

const px = (t: Tensor) => t.data as Float32Array;

describe('GAN inversion', () => {
  it('in W+ lowers the loss and reconstructs a generated image better than w_avg does', async () => {
    const previews: number[] = [];
    const r = await model.invert('w+', target, {
      steps: 60,
      lr: 0.1,
      weights: { pixel: 1, perceptual: 0.5, wAvgPull: 1e-4, noiseReg: 0 },
      previewEvery: 20,
      onPreview: (k, images) => void previews.push(k, images.shape[0]),
    });
    expect(r.value.shape).toEqual([2, ...codeShape(c, 'w+', model.featureLevel)]);
    expect(r.losses.length).toBe(60);
    expect(r.losses.at(-1)!).toBeLessThan(0.5 * r.losses[0]);
    const before = psnr(px(await model.synthesize('w+', await model.avgCode('w+', 2))), px(target));
    const after = psnr(px(await model.synthesize('w+', r.value)), px(target));
    expect(after).toBeGreaterThan(before + 3);
    expect(previews).toEqual([20, 2, 40, 2]);
  });

  it('in W moves one w per image and also lowers the loss', async () => {
    const r = await model.invert('w', target, { steps: 40, lr: 0.1, weights: { perceptual: 0.5, wAvgPull: 1e-4 } });
    expect(r.value.shape).toEqual([2, c.wDim]);
    expect(r.losses.at(-1)!).toBeLessThan(r.losses[0]);
    expect(r.stopped).toBe('done');
  });

  it('runs in Z (holding the class), S and F, returning codes of their shapes', async () => {
    for (const space of ['z', 's', 'f'] as const) {
      const r = await model.invert(space, target, { steps: 12, lr: 0.05, class: space === 'z' ? [2, 0] : undefined });
      expect(r.value.shape, space).toEqual([2, ...codeShape(c, space, model.featureLevel)]);
      expect(r.losses.at(-1)!, space).toBeLessThan(r.losses[0]);
      if (space === 'z') {
        expect(r.classes).toEqual([2, 0]);
        expect(Array.from(px(splitZ(c, r.value).cls!))).toEqual([0, 0, 1, 1, 0, 0]);
      }
    }
    // Without a class, Z starts from the nearest one by the evaluator.
    const r = await model.invert('z', target, { steps: 2, lr: 0.05 });
    expect(r.classes).toHaveLength(2);
    for (const k of r.classes!) expect(k >= 0 && k < c.classes).toBe(true);
  });

  it("in F starts from w_avg's image, at the same loss as W", async () => {
    const o = { steps: 1, lr: 1e-6, weights: { perceptual: 0.5, wAvgPull: 1e-3 } };
    const w = await model.invert('w', target, o);
    const f = await model.invert('f', target, o);
    expect(f.losses[0]).toBeGreaterThan(0);
    expect(Math.abs(f.losses[0] - w.losses[0])).toBeLessThan(1e-5 * w.losses[0] + 1e-6);
  });

  it('optimizes the noise maps under the noise regularization and returns them normalized', async () => {
    const r = await model.invert('w+', target, { steps: 10, lr: 0.05, optimizeNoise: true, weights: { noiseReg: 1e3 } });
    const fixed = model.noise(0, 2);
    for (const [k, t] of Object.entries(r.noise)) {
      const d = px(t).subarray(0, t.data.length / 2);
      const mean = d.reduce((a, v) => a + v, 0) / d.length;
      const variance = d.reduce((a, v) => a + (v - mean) ** 2, 0) / d.length;
      expect(Math.abs(mean), k).toBeLessThan(1e-4);
      expect(variance, k).toBeCloseTo(1, 3);
      expect(px(t).some((v, i) => Math.abs(v - px(fixed[k])[i]) > 1e-4), k).toBe(true);
    }
    expect((await model.synthesize('w+', r.value, { noise: r.noise })).shape).toEqual([2, 3, 16, 16]);
  });

  it('starts from a given code and stops early on a plateau', async () => {
    const exact = await model.fromW('w+', await model.sample({ n: 2, seed: 11 }));
    const r = await model.invert('w+', target, { steps: 200, lr: 1e-6, init: exact, patience: 5, weights: { perceptual: 0 } });
    expect(r.stopped).toBe('early');
    expect(r.losses.length).toBeLessThan(20);
    // The generator's exact code: only the clipping of the target to [0, 1] is left to explain.
    const fromAvg = await model.invert('w+', target, { steps: 1, lr: 1e-6, weights: { perceptual: 0 } });
    expect(r.losses[0]).toBeLessThan(0.2 * fromAvg.losses[0]);
  });

  it('refuses images of another size and a starting code of another generator', async () => {
    const small = { dtype: 'float32' as const, shape: [1, 3, 8, 8], data: new Float32Array(192) };
    await expect(model.invert('w', small, { steps: 1, lr: 0.1 })).rejects.toThrow(/images \[1,3,8,8\] do not fit GAN "tiny-gan": it inverts \[N, 3, 16, 16\]/);
    const init = { dtype: 'float32' as const, shape: [2, 64], data: new Float32Array(128) };
    await expect(model.invert('w', target, { steps: 1, lr: 0.1, init })).rejects.toThrow(/W code \[2,64\] is for another generator/);
  });
});
