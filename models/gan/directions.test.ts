import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { f32, type Tensor } from '../../ml/index.ts';
import { numWs } from './config.ts';
import { applyEdit, directionAt, ganSpace, labelDirection, layerRange, textDirection } from './directions.ts';
import type { GanModel } from './model.ts';
import { tinyGan as c, tinyModel } from './testing.ts';

let model: GanModel;
beforeAll(async () => {
  model = await tinyModel();
});
afterAll(() => model.release());

const D = c.wDim;
const px = (t: Tensor) => t.data as Float32Array;
const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from(a).reduce((s, v, i) => s + v * b[i], 0);
const variance = (xs: number[]) => {
  const m = xs.reduce((a, b) => a + b, 0) / xs.length;
  return xs.reduce((a, x) => a + (x - m) ** 2, 0) / (xs.length - 1);
};

describe('GANSpace', () => {
  it('gives orthonormal directions ordered by the variance of mapped w along them', async () => {
    const r = await ganSpace(model, { k: 5, samples: 1000, seed: 1 });
    expect(r.directions.shape).toEqual([5, D]);
    for (let i = 0; i < 5; i++)
      for (let j = 0; j < 5; j++) expect(dot(px(directionAt(r.directions, i)), px(directionAt(r.directions, j)))).toBeCloseTo(i === j ? 1 : 0, 4);
    for (let i = 1; i < 5; i++) expect(r.variances[i]).toBeLessThanOrEqual(r.variances[i - 1]);
    expect(r.variances[4]).toBeGreaterThan(0);
    // Fresh samples spread along the directions as the fitted variances say.
    const w = px(await model.sample({ n: 1000, seed: 2 }));
    const along = (i: number) => variance(Array.from({ length: 1000 }, (_, k) => dot(w.subarray(k * D, (k + 1) * D), px(directionAt(r.directions, i)))));
    expect(along(0) / r.variances[0]).toBeGreaterThan(0.8);
    expect(along(0) / r.variances[0]).toBeLessThan(1.25);
    expect(along(0)).toBeGreaterThan(2 * along(4));
  });
});

describe('label directions', () => {
  it('separate the mapped w of two sub-categories (and of one against the rest) on fresh samples', async () => {
    for (const negative of [2, 'rest'] as const) {
      const r = await labelDirection(model, { positive: 0, negative, samples: 100, seed: 3 });
      expect(Math.hypot(...px(r.direction))).toBeCloseTo(1, 5);
      expect(r.accuracy).toBeGreaterThan(0.65);
      const side = async (cls: number) => {
        const w = px(await model.sample({ n: 50, seed: 40 + cls, classes: new Array(50).fill(cls) }));
        return Array.from({ length: 50 }, (_, k) => dot(w.subarray(k * D, (k + 1) * D), px(r.direction)) + r.bias > 0);
      };
      const right = (await side(0)).filter(Boolean).length + (await side(negative === 'rest' ? 1 : 2)).filter((s) => !s).length;
      expect(right / 100, String(negative)).toBeGreaterThan(0.65); // chance: 0.5 ± 0.05
    }
    await expect(labelDirection(model, { positive: 1, negative: 1 })).rejects.toThrow(/two different sub-categories/);
  });
});

describe('text directions', () => {
  it('combine the GANSpace directions that move the image embedding along text(target) − text(neutral)', async () => {
    const comps = await ganSpace(model, { k: 6, samples: 500, seed: 1 });
    const r = await textDirection(model, { target: 'a cat', neutral: 'a happy dog', components: comps, samples: 4, seed: 5 });
    expect(r.alignment).toHaveLength(6);
    expect(Math.hypot(...px(r.direction))).toBeCloseTo(1, 5);
    const best = r.alignment.reduce((b, a, i) => (Math.abs(a) > Math.abs(r.alignment[b]) ? i : b), 0);
    expect(r.used).toContain(best);
    // Moving along the result changes the evaluator's image embedding towards Δt.
    const t = px(await model.embedTexts(['a cat', 'a happy dog']));
    const E = t.length / 2;
    const dt = Array.from({ length: E }, (_, i) => t[i] - t[E + i]);
    const w = px(await model.sample({ n: 4, seed: 6 }));
    const step = 0.5 * Math.sqrt(comps.variances[0]);
    const moved = (s: number) => f32([4, D], w.map((v, i) => v + s * step * px(r.direction)[i % D]));
    const plus = px(await model.embedImages(await model.synthesize('w', moved(1))));
    const minus = px(await model.embedImages(await model.synthesize('w', moved(-1))));
    expect(dot(plus.map((v, i) => v - minus[i]), Array.from({ length: 4 * E }, (_, i) => dt[i % E]))).toBeGreaterThan(0);
  });
});

describe('applyEdit', () => {
  it('moves only the chosen W+ entries', async () => {
    const w = await model.sample({ n: 2, seed: 9 });
    const d = f32([D], Array.from({ length: D }, (_, i) => (i === 3 ? 1 : 0)));
    const L = numWs(c);
    const check = (out: Tensor, from: number, to: number) => {
      expect(out.shape).toEqual([2, L, D]);
      for (let k = 0; k < 2; k++)
        for (let i = 0; i < L; i++)
          for (let e = 0; e < D; e++) {
            const want = px(w)[k * D + e] + (i >= from && i <= to && e === 3 ? 2 : 0);
            expect(px(out)[(k * L + i) * D + e]).toBeCloseTo(want, 5);
          }
    };
    check(applyEdit(c, w, d, 2, 'coarse'), 0, 3);
    check(applyEdit(c, w, d, 2, 'middle'), 4, 5);
    check(applyEdit(c, w, d, 2, [1, 2]), 1, 2);
    check(applyEdit(c, applyEdit(c, w, d, 0), d, 2, 'all'), 0, L - 1);
    expect(layerRange(c, 'coarse')).toEqual([0, 4]);
    expect(() => applyEdit(c, w, d, 1, 'fine')).toThrow(/this generator has no fine layers \(its W\+ has 6 entries/);
    expect(() => applyEdit(c, w, d, 1, [4, 9])).toThrow(/layers \[4,9\] are outside this generator's W\+ entries 0…5/);
    expect(() => applyEdit(c, w, f32([5]), 1)).toThrow(/the direction has 5 values; this generator's W has 8/);
  });
});
