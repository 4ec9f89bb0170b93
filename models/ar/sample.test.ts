import { afterAll, describe, expect, it } from 'vitest';
import { Rng } from '../../ml/index.ts';
import { ArSampler, guideLogits, pickToken } from './sample.ts';
import { backend, tinyAr, tinyWeights } from './testing.ts';

const N = tinyAr.transformer.gridSize ** 2;
const V = tinyAr.transformer.codebookSize;
const captions = [
  [1, 4, 5, 2],
  [1, 7, 2, 0],
];
// Larger weights than the initial ones, so the logits are far from uniform and choices have something to tell apart.
const weights = tinyWeights(2);
for (const [k, t] of Object.entries(weights)) if (k.startsWith('ar.') && k.endsWith('.weight')) (t.data as Float32Array).forEach((v, i, d) => (d[i] = v * 3));
const sampler = ArSampler.create(tinyAr, weights, { backend });
afterAll(() => sampler.release());

const softmax = (l: number[], T = 1) => {
  const m = Math.max(...l);
  const e = l.map((v) => Math.exp((v - m) / T));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
};

describe('pickToken', () => {
  const rng = new Rng(1);
  const rows = Array.from({ length: 20 }, () => Array.from({ length: V }, () => rng.normal() * 2));
  const argmax = (l: number[]) => l.indexOf(Math.max(...l));

  it('greedy at temperature 0 and with top-k = 1, whatever the draw', () => {
    for (const l of rows) {
      expect(pickToken(l, { temperature: 0, topK: 0, topP: 1 }, 0.5)).toBe(argmax(l));
      for (const u of [0, 0.3, 0.999]) expect(pickToken(l, { temperature: 1.5, topK: 1, topP: 1 }, u)).toBe(argmax(l));
    }
  });

  it('draws by the softmax, and only from the top-k / top-p set when filtered', () => {
    const l = rows[0];
    const p = softmax(l, 0.7);
    const counts = new Array<number>(V).fill(0);
    const M = 20_000;
    for (let i = 0; i < M; i++) counts[pickToken(l, { temperature: 0.7, topK: 0, topP: 1 }, (i + 0.5) / M)]++;
    counts.forEach((n, i) => expect(n / M).toBeCloseTo(p[i], 3));
    const top3 = [...l.keys()].sort((a, b) => l[b] - l[a]).slice(0, 3);
    const seen = new Set(Array.from({ length: 200 }, (_, i) => pickToken(l, { temperature: 1, topK: 3, topP: 1 }, i / 200)));
    expect([...seen].sort()).toEqual([...top3].sort());
    // top-p: the smallest set of the most likely tokens reaching p.
    const q = softmax(l);
    const ranked = [...l.keys()].sort((a, b) => l[b] - l[a]);
    const need = ranked.findIndex((_, i) => ranked.slice(0, i + 1).reduce((s, j) => s + q[j], 0) >= 0.8) + 1;
    const nucleus = new Set(Array.from({ length: 500 }, (_, i) => pickToken(l, { temperature: 1, topK: 0, topP: 0.8 }, i / 500)));
    expect([...nucleus].sort()).toEqual(ranked.slice(0, need).sort());
  });

  it('guides: uncond + s·(cond − uncond)', () => {
    expect(Array.from(guideLogits([1, 2], [0.5, 4], 3))).toEqual([2, -2]);
  });
});

describe('ArSampler', () => {
  it('is a pure function of the seed, item by item, with the cache or without', async () => {
    const o = { seed: 11, temperature: 1, topP: 0.9, guidance: 2 };
    const a = await sampler.sample(captions, o);
    expect(a.runs).toBe(N); // a prefill and N − 1 steps
    expect((await sampler.sample(captions, o)).tokens).toEqual(a.tokens);
    const b = await sampler.sample(captions, { ...o, seed: 12 });
    expect(b.tokens).not.toEqual(a.tokens);
    // Item 1 drew from seed 12 in the first batch: alone, with that seed, it draws the same grid.
    expect((await sampler.sample([captions[1]], { ...o, seed: [12] })).tokens).toEqual(a.tokens.slice(N));
    const noCache = await sampler.sample(captions, { ...o, cache: false });
    expect(noCache.runs).toBe(N);
    expect(noCache.tokens).toEqual(a.tokens);
    for (const v of a.tokens) expect(v >= 0 && v < V).toBe(true);
  });

  it('with top-k = 1 is greedy decoding', async () => {
    const greedy = await sampler.sample(captions, { seed: 1, temperature: 0 });
    expect((await sampler.sample(captions, { seed: 99, topK: 1 })).tokens).toEqual(greedy.tokens);
    expect((await sampler.sample(captions, { seed: 5, topK: 1, cache: false })).tokens).toEqual(greedy.tokens);
    // The captions differ, and so do their greedy grids.
    expect(greedy.tokens.slice(0, N)).not.toEqual(greedy.tokens.slice(N));
  });

  it('at guidance 0 samples from the unconditional logits alone: the caption does not matter', async () => {
    const a = await sampler.sample([captions[0], captions[0]], { seed: [3, 4], guidance: 0 });
    const b = await sampler.sample([captions[1], [1, 2, 0, 0]], { seed: [3, 4], guidance: 0 });
    expect(b.tokens).toEqual(a.tokens);
    const conditioned = await sampler.sample([captions[1], [1, 2, 0, 0]], { seed: [3, 4] });
    expect(conditioned.tokens).not.toEqual(a.tokens);
  });

  it('regenerates only the masked positions, keeping the others exactly', async () => {
    const o = { seed: 21, temperature: 1, guidance: 1.5 };
    const original = await sampler.sample(captions, o);
    // Keep the first rows of item 0 and a checkerboard of item 1; resample with another seed.
    const mask = Array.from({ length: 2 * N }, (_, i) => (i < N ? i < 4 : (i - N) % 2 === 0));
    const given = Array.from(original.tokens);
    const regen = await sampler.sample(captions, { ...o, seed: 500, keep: { tokens: given, mask } });
    mask.forEach((keep, i) => keep && expect(regen.tokens[i]).toBe(given[i]));
    expect(mask.some((keep, i) => !keep && regen.tokens[i] !== given[i])).toBe(true);
    expect((await sampler.sample(captions, { ...o, seed: 500, keep: { tokens: given, mask }, cache: false })).tokens).toEqual(regen.tokens);
    // Teacher forcing: keeping a sample's first tokens and drawing with its seed gives that sample back.
    expect((await sampler.sample(captions, { ...o, keep: { tokens: given, mask: mask.map((m, i) => m && i < N) } })).tokens).toEqual(original.tokens);
    // Nothing masked: nothing to run.
    const all = await sampler.sample(captions, { ...o, keep: { tokens: given, mask: given.map(() => 1) } });
    expect(all).toEqual({ tokens: original.tokens, runs: 0 });
  });

  it('refuses what it cannot sample', async () => {
    await expect(sampler.sample([[1, 2, 3]], { seed: 0 })).rejects.toThrow(/caption 0 has 3 ids, the text encoder takes 4/);
    await expect(sampler.sample(captions, { seed: 0, topP: 0 })).rejects.toThrow(/top-p 0 is not in \(0, 1\]/);
    await expect(sampler.sample(captions, { seed: 0, keep: { tokens: new Array(2 * N).fill(V), mask: new Array(2 * N).fill(1) } })).rejects.toThrow(/outside the codebook of 12/);
  });
});
