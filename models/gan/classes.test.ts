import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classForPrompt, classPhrase, nearestClasses } from './classes.ts';
import type { GanModel } from './model.ts';
import { tinyModel } from './testing.ts';

let model: GanModel;
beforeAll(async () => {
  model = await tinyModel();
});
afterAll(() => model.release());

describe('choosing a sub-category', () => {
  it('reads class names as phrases and picks the one a prompt names', async () => {
    expect(classPhrase('animal-mammal')).toBe('animal mammal');
    expect(classPhrase('arts & crafts')).toBe('arts & crafts');
    for (const [i, name] of ['animal-mammal', 'face-smiling', 'food-fruit'].entries()) {
      const r = await classForPrompt(model, classPhrase(name));
      expect(r).toMatchObject({ index: i, name });
      expect(r.score).toBeCloseTo(1, 4);
    }
  });

  it("finds each image's class among the classes' typical images", async () => {
    // The typical images themselves: each must come back as its own class.
    const k = await nearestClasses(model, await model.synthesize('w', await classMeans()), { seed: 0 });
    expect(k).toEqual([0, 1, 2]);
  });
});

/** The mean of 4 mapped w per class, as nearestClasses draws them (seed 0). */
async function classMeans() {
  const w = (await model.sample({ n: 12, seed: 0, classes: Array.from({ length: 12 }, (_, i) => Math.floor(i / 4)) })).data as Float32Array;
  const D = model.config.wDim;
  const out = new Float32Array(3 * D);
  for (let i = 0; i < 12; i++) for (let e = 0; e < D; e++) out[Math.floor(i / 4) * D + e] += w[i * D + e] / 4;
  return { dtype: 'float32' as const, shape: [3, D], data: out };
}
