// ArModel on the tiny AR pack: images ↔ token grids, sampling (seeded, with and without the cache,
// step by step, with a negative prompt and learned words), the per-token likelihood against an
// independent computation from the logits graph, and refusals of bad input that name the problem.
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { f32, freezeWeights, randn, Rng, type Tensor, tensor } from '../../ml/index.ts';
import { arLogitsGraph } from './graphs.ts';
import { ArModel } from './model.ts';
import type { LoadedArPack } from './pack.ts';
import { backend, runGraph, tinyArModel } from './testing.ts';

let model: ArModel;
let loaded: LoadedArPack;
let dir: string;
beforeAll(async () => {
  ({ model, loaded, dir } = await tinyArModel());
}, 30_000);
afterAll(async () => {
  await model?.release();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const images = (n: number, seed: number): Tensor => {
  const rng = new Rng(seed);
  return f32([n, 3, 64, 64], Array.from({ length: n * 3 * 64 * 64 }, () => rng.next()));
};
const grids = (n: number, seed: number): Tensor => {
  const rng = new Rng(seed);
  return tensor('int32', [n, 8, 8], Array.from({ length: n * 64 }, () => rng.int(model.codebookSize)));
};

describe('ArModel: images and token grids', () => {
  it('describes the pack', () => {
    expect(model.name).toBe('tiny-ar-pack');
    expect(model.grid).toEqual({ side: 8, count: 64 });
    expect(model.codebookSize).toBe(16);
    expect(model.textDim).toBe(16);
  });

  it('encodes images to int32 grids in one pass, item by item, and decodes grids to images in [0, 1]', async () => {
    const x = images(3, 1);
    const t = await model.encode(x);
    expect(t.dtype).toBe('int32');
    expect(t.shape).toEqual([3, 8, 8]);
    for (const v of t.data as Int32Array) expect(v >= 0 && v < 16).toBe(true);
    // Each image's grid does not depend on the batch it came in.
    const alone = await model.encode(f32([1, 3, 64, 64], (x.data as Float32Array).subarray(2 * 3 * 64 * 64)));
    expect(Array.from(alone.data as Int32Array)).toEqual(Array.from((t.data as Int32Array).subarray(128)));
    // Images that differ give grids that differ.
    expect(Array.from((t.data as Int32Array).subarray(0, 64))).not.toEqual(Array.from((t.data as Int32Array).subarray(64, 128)));
    const y = await model.decode(t);
    expect(y.shape).toEqual([3, 3, 64, 64]);
    for (const v of y.data as Float32Array) expect(v >= 0 && v <= 1).toBe(true);
    // Decoding is a function of the grid: one changed token changes the image.
    const changed = tensor('int32', [1, 8, 8], (t.data as Int32Array).slice(0, 64));
    (changed.data as Int32Array)[10] = ((changed.data as Int32Array)[10] + 1) % 16;
    const y2 = await model.decode(changed);
    expect(Array.from(y2.data as Float32Array)).not.toEqual(Array.from((y.data as Float32Array).subarray(0, 3 * 64 * 64)));
  }, 30_000);

  it('refuses grids out of range or of another shape, and images of another size', async () => {
    const bad = grids(2, 3);
    (bad.data as Int32Array)[64 + 3 * 8 + 5] = 1204;
    await expect(model.decode(bad)).rejects.toThrow(/token 1204 at row 3, column 5 of grid 1 is outside the tokenizer's 16 codes/);
    await expect(model.decode(tensor('int32', [1, 4, 4]))).rejects.toThrow(/int32 \[1,4,4\] do not fit AR model "tiny-ar-pack": it takes int32 \[N, 8, 8\]/);
    await expect(model.decode(tensor('int64', [1, 8, 8]))).rejects.toThrow(/int64/);
    await expect(model.encode(f32([1, 3, 32, 32]))).rejects.toThrow(/\[N, 3, 64, 64\]/);
  });

  it('refuses an image tokenizer made for another latent shape', () => {
    const other = { ...loaded, imageTokenizer: { ...loaded.imageTokenizer!, config: { ...loaded.imageTokenizer!.config, latentSide: 8 } } };
    expect(() => ArModel.create({ loaded: other, backend })).toThrow(/reads 4×8×8 latents, but the pack's VAE gives 4×16×16: the tokenizer was made for another latent shape/);
  });
});

describe('ArModel: sampling', () => {
  const prompts = ['a red cat', 'a blue dog'];

  it('is a pure function of the seed, with the cache or without, and reports each token', async () => {
    const o = { prompts, seed: 5, temperature: 1, guidance: 2 };
    const seen: number[] = [];
    const a = await model.sample({ ...o, onToken: (t, tokens) => (seen.push(t), expect(tokens.length).toBe(128)) });
    expect(a.tokens.shape).toEqual([2, 8, 8]);
    expect(a.tokens.dtype).toBe('int32');
    expect(seen).toEqual(Array.from({ length: 64 }, (_, t) => t));
    expect((await model.sample(o)).tokens.data).toEqual(a.tokens.data);
    expect((await model.sample({ ...o, cache: false })).tokens.data).toEqual(a.tokens.data);
    expect((await model.sample({ ...o, seed: 6 })).tokens.data).not.toEqual(a.tokens.data);
  }, 30_000);

  it('reads a negative prompt for the unconditional half, and binds learned words to placeholders', async () => {
    const o = { prompts, seed: 5, temperature: 1, guidance: 3 };
    const plain = await model.sample(o);
    expect((await model.sample({ ...o, negative: 'a cat' })).tokens.data).not.toEqual(plain.tokens.data);
    // At guidance 1 there is no unconditional half: the negative prompt changes nothing.
    expect((await model.sample({ ...o, guidance: 1, negative: 'a cat' })).tokens.data).toEqual((await model.sample({ ...o, guidance: 1 })).tokens.data);
    await expect(model.sample({ ...o, prompts: ['a S* cat'] })).rejects.toThrow(/uses S\* but no embedding is bound to it/);
    const word = (seed: number) => ({ 'S*': f32([1, 16], randn([16], new Rng(seed), 1).data as Float32Array) });
    const a = await model.sample({ ...o, prompts: ['a S* cat'], adapters: { embeddings: word(1) } });
    expect((await model.sample({ ...o, prompts: ['a S* cat'], adapters: { embeddings: word(1) } })).tokens.data).toEqual(a.tokens.data);
    expect((await model.sample({ ...o, prompts: ['a S* cat'], adapters: { embeddings: word(2) } })).tokens.data).not.toEqual(a.tokens.data);
    await expect(model.sample({ ...o, prompts: ['a S* cat'], adapters: { embeddings: { 'S*': f32([1, 8]) } } })).rejects.toThrow(/float32 \[1, 16\]/);
  }, 30_000);

  it('regenerates only the masked-out tokens', async () => {
    const base = await model.sample({ prompts, seed: 1 });
    const mask = new Uint8Array(128).map((_, i) => (i % 64 < 32 ? 1 : 0));
    const r = await model.sample({ prompts, seed: 99, keep: { tokens: base.tokens, mask } });
    const [a, b] = [base.tokens.data as Int32Array, r.tokens.data as Int32Array];
    mask.forEach((k, i) => k && expect(b[i]).toBe(a[i]));
    expect(Array.from(b)).not.toEqual(Array.from(a));
    await expect(model.sample({ prompts, seed: 1, keep: { tokens: base.tokens, mask: new Uint8Array(3) } })).rejects.toThrow(/3 mask entries for 2 prompts/);
  }, 30_000);

  it('stops when aborted', async () => {
    const ac = new AbortController();
    const r = model.sample({ prompts, seed: 1, onToken: (t) => t === 3 && ac.abort(new Error('stop here')), signal: ac.signal });
    await expect(r).rejects.toThrow(/stop here/);
  });

  it('refuses a prompt longer than the caption context', async () => {
    await expect(model.sample({ prompts: ['a red cat on the beach in the snow'], seed: 1 })).rejects.toThrow(/longer than the caption context: the text encoder reads 6 words/);
  });
});

describe('ArModel: likelihood', () => {
  it('is each token’s −log p under its prompt, as the logits graph gives it', async () => {
    const t = grids(2, 7);
    const prompts = ['a red cat', 'emoji of a dog'];
    const nll = await model.likelihood(t, prompts);
    expect(nll.shape).toEqual([2, 8, 8]);
    const V = model.codebookSize;
    const g = freezeWeights(arLogitsGraph(model.config, 2, { caption: 'token_embeds' }).graph, model.weights);
    const { maxLength: L, dim: D } = model.config.text;
    const out = await runGraph(g, { token_embeds: f32([2, L, D], model.promptEmbeds(prompts)), drop_caption: f32([2, 1, 1]), tokens: tensor('int64', [2, 64], t.data as Int32Array) });
    const logits = out.logits.data as Float32Array;
    const ids = t.data as Int32Array;
    for (let i = 0; i < 128; i++) {
      const row = logits.subarray(i * V, (i + 1) * V);
      const m = Math.max(...row);
      const lse = m + Math.log(row.reduce((s, v) => s + Math.exp(v - m), 0));
      expect((nll.data as Float32Array)[i]).toBeCloseTo(lse - row[ids[i]], 4);
    }
    // The prompt matters.
    expect(Array.from((await model.likelihood(t, ['a blue dog', 'a cat'])).data as Float32Array)).not.toEqual(Array.from(nll.data as Float32Array));
    await expect(model.likelihood(t, ['one prompt'])).rejects.toThrow(/1 prompts for 2 token grids/);
  }, 30_000);
});
