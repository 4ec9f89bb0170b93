import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codeShape } from './codes.ts';
import { ganOptimizable } from './family.ts';
import type { GanModel } from './model.ts';
import { tinyGan as c, tinyModel } from './testing.ts';

let model: GanModel;
beforeAll(async () => {
  model = await tinyModel();
});
afterAll(() => model.release());

describe('the GAN as an optimizable family', () => {
  it('inverts into its space and tunes adapters the GAN accepts back', async () => {
    const fam = ganOptimizable(model, 's');
    expect(fam.space).toBe('gan:s');
    const images = await model.synthesize('w', await model.sample({ n: 1, seed: 2 }));
    const inv = await fam.invert(images, { steps: 4, lr: 0.05, seed: 0 });
    expect(inv.value.shape).toEqual([1, ...codeShape(c, 's', model.featureLevel)]);
    expect(inv.losses).toHaveLength(4);
    const steps: number[] = [];
    const tuned = await fam.tune(images, { steps: 4, lr: 0.01, seed: 0, rank: 1, alpha: 1, onStep: (k) => steps.push(k) });
    expect(tuned.meta).toMatchObject({ family: 'gan', generator: 'tiny-gan', rank: '1' });
    expect(tuned.losses).toHaveLength(4);
    expect(steps).toEqual([1, 2, 3, 4]); // the tuning's steps (the pivot inversion's are not the loop's)
    expect(() => model.withLora({ tensors: tuned.tensors, meta: tuned.meta })).not.toThrow();
  });
});
