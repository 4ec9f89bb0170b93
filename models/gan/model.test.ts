import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { f32, Rng, randn } from '../../ml/index.ts';
import { broadcastW, codeShape, GAN_SPACES, joinF, splitF, splitStyles, splitZ, styleSizes } from './codes.ts';
import { numWs } from './config.ts';
import { generatorGraph } from './graphs.ts';
import type { GanModel } from './model.ts';
import { tinyGan as c, tinyModel } from './testing.ts';

let model: GanModel;
beforeAll(async () => {
  model = await tinyModel();
});
afterAll(() => model.release());

const maxDiff = (a: Float32Array, b: Float32Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);

describe('GanModel', () => {
  it('lays out the S code as styleLayers() orders the layers', () => {
    const layers = generatorGraph(c, 1, { space: 's' }).g.synthesis.styleLayers();
    expect(styleSizes(c)).toEqual(layers.map((l) => l.conv.inChannels));
  });

  it('samples reproducibly, honours given classes, and truncates to w_avg at ψ = 0', async () => {
    const a = await model.sample({ n: 3, seed: 5, classes: [0, null, 2] });
    const b = await model.sample({ n: 3, seed: 5, classes: [0, null, 2] });
    expect(a.shape).toEqual([3, c.wDim]);
    expect(maxDiff(a.data as Float32Array, b.data as Float32Array)).toBe(0);
    const other = await model.sample({ n: 3, seed: 5, classes: [1, null, 2] });
    expect(maxDiff(a.data.subarray(0, c.wDim) as Float32Array, other.data.subarray(0, c.wDim) as Float32Array)).toBeGreaterThan(1e-3);
    expect(maxDiff(a.data.subarray(c.wDim) as Float32Array, other.data.subarray(c.wDim) as Float32Array)).toBe(0);
    const flat = await model.sample({ n: 2, seed: 5, psi: 0 });
    for (let k = 0; k < 2; k++) expect(maxDiff(flat.data.subarray(k * c.wDim, (k + 1) * c.wDim) as Float32Array, model.wAvg)).toBeLessThan(1e-6);
  });

  it('renders one image from a code in every space: Z, W, W+, S and F agree', async () => {
    const zCode = model.sampleZ({ n: 2, seed: 3 });
    const { z, cls } = splitZ(c, zCode);
    const w = await model.mapZ(z, cls);
    const fromZ = await model.synthesize('z', zCode, { noiseSeed: 4 });
    expect(fromZ.shape).toEqual([2, 3, 16, 16]);
    const img = fromZ.data as Float32Array;
    expect(img.every((v) => v >= 0 && v <= 1)).toBe(true);
    expect(maxDiff(img.subarray(0, 768), img.subarray(768))).toBeGreaterThan(1e-3);
    for (const space of ['w', 'w+', 's'] as const) {
      const code = await model.fromW(space, w);
      expect(code.shape).toEqual([2, ...codeShape(c, space, model.featureLevel)]);
      expect(maxDiff((await model.synthesize(space, code, { noiseSeed: 4 })).data as Float32Array, img)).toBeLessThan(1e-4);
    }
    // F holds the features and the RGB skip entering level 2 (16×16), then W+; under the noise it
    // was made with it renders w's image (raw, before clipping, so nothing hides in the clip).
    const f = await model.fromW('f', w, { noiseSeed: 4 });
    expect(f.shape).toEqual([2, 6 * 16 * 16 + 3 * 16 * 16 + numWs(c) * c.wDim]);
    const raw = (await model.render('w', w, { noiseSeed: 4 })).data as Float32Array;
    expect(maxDiff((await model.render('f', f, { noiseSeed: 4 })).data as Float32Array, raw)).toBeLessThan(1e-4);
    // The skip carries the levels below: without it the image changes.
    const { features, skip, ws } = splitF(c, f, model.featureLevel);
    expect(maxDiff(skip.data as Float32Array, new Float32Array(skip.data.length))).toBeGreaterThan(1e-2);
    const noSkip = joinF(features, f32(skip.shape), ws);
    expect(maxDiff((await model.render('f', noSkip, { noiseSeed: 4 })).data as Float32Array, raw)).toBeGreaterThan(1e-2);
    // Another noise seed gives another image; the same one the same image at any batch size.
    expect(maxDiff((await model.synthesize('w', w, { noiseSeed: 5 })).data as Float32Array, img)).toBeGreaterThan(1e-4);
    const one = await model.synthesize('w', f32([1, c.wDim], w.data.subarray(c.wDim) as Float32Array), { noiseSeed: 4 });
    expect(maxDiff(one.data as Float32Array, img.subarray(768))).toBeLessThan(1e-5);
    expect(splitStyles(c, await model.fromW('s', w)).map((s) => s.shape[1])).toEqual(styleSizes(c));
  });

  it('chunks large batches', async () => {
    const w = await model.sample({ n: 20, seed: 8 });
    const all = (await model.synthesize('w', w)).data as Float32Array;
    const last = (await model.synthesize('w', f32([1, c.wDim], w.data.subarray(19 * c.wDim) as Float32Array))).data as Float32Array;
    expect(maxDiff(all.subarray(19 * 768), last)).toBeLessThan(1e-5);
  });

  it('names a code made for another generator, and a space it does not have', async () => {
    await expect(model.synthesize('w+', randn([1, 8, 64], new Rng(1)))).rejects.toThrow(`W+ code [1,8,64] is for another generator: this one takes [N, ${numWs(c)}, ${c.wDim}]`);
    await expect(model.synthesize('w', randn([2, 5], new Rng(1)))).rejects.toThrow(/W code \[2,5\] is for another generator: this one takes \[N, 8\]/);
    await expect(model.synthesize('q' as 'w', randn([2, 8], new Rng(1)))).rejects.toThrow(/"q" is not a space of the GAN: use one of z, w, w\+, s, f/);
    await expect(model.fromW('z', randn([1, 8], new Rng(1)))).rejects.toThrow(/no Z code/);
    expect(GAN_SPACES).toHaveLength(5);
    expect(broadcastW(c, f32([1, c.wDim])).shape).toEqual([1, numWs(c), c.wDim]);
  });

  it('refuses weights for another generator', () => {
    const g = { ...model.generator, 'g.synthesis.const': f32([1, 4, 4, 4]) };
    expect(() => model.withWeights(g)).toThrow(/weight "g.synthesis.const" is \[1,4,4,4\] but the config needs \[1,8,4,4\]/);
  });
});
