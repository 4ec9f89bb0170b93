// The AR family's learned methods on the tiny AR pack: each lowers its own objective in a few steps
// (and the concept's likelihood under the learned state), the likelihood is the training graph's
// token loss, adapters change samples, and what does not fit is refused naming the problem.
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { f32, type Tensor, tensor } from '../../ml/index.ts';
import { lookupTokens } from '../diffusion/text-encoder.ts';
import { trainArEmbedding } from './embedding.ts';
import type { ArModel } from './model.ts';
import { tinyArModel } from './testing.ts';

let model: ArModel;
let dir: string;
let concept: Tensor;
beforeAll(async () => {
  ({ model, dir } = await tinyArModel());
  // Two grids with structure (a concept is not noise): stripes of a few codes.
  concept = tensor('int32', [2, 8, 8], Array.from({ length: 128 }, (_, i) => (i < 64 ? [3, 3, 7, 7][Math.floor(i / 8) % 4] : [11, 2][i % 2])));
}, 30_000);
afterAll(async () => {
  await model?.release();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const mean = (t: Tensor) => Array.from(t.data as Float32Array).reduce((a, b) => a + b, 0) / t.data.length;
const common = { steps: 12, lr: 0.05, batch: 2, seed: 3, templates: ['a S* cat', 'emoji of S*'], token: 'S*' };
const slotRow = () => f32([1, 16], lookupTokens(model.weights['text.token_embedding.weight'].data as Float32Array, 16, [model.tokenizer.id('<s1>')]));

describe('trainArEmbedding (Textual Inversion by the next-token loss)', () => {
  it('starts at the likelihood of the concept under the slot’s own row, and lowers it', async () => {
    const one = tensor('int32', [1, 8, 8], (concept.data as Int32Array).slice(0, 64));
    const steps: number[] = [];
    const r = await trainArEmbedding(model, one, { ...common, templates: ['a S* cat'], lr: 0.1, onStep: (k) => steps.push(k) });
    expect(steps).toEqual(Array.from({ length: 12 }, (_, k) => k + 1));
    expect(r.embedding.shape).toEqual([1, 16]);
    // Step 0's loss is measured before any update: the likelihood the model gives under the initial word.
    expect(r.losses[0]).toBeCloseTo(mean(await model.likelihood(one, ['a S* cat'], { embeddings: { 'S*': slotRow() } })), 5);
    expect(Math.max(...r.losses.slice(-3))).toBeLessThan(r.losses[0]);
    expect(mean(await model.likelihood(one, ['a S* cat'], { embeddings: { 'S*': r.embedding } }))).toBeLessThan(r.losses[0] - 0.05);
  }, 60_000);

  it('learns from several grids and templates, and the word changes what is sampled', async () => {
    const r = await trainArEmbedding(model, concept, common);
    expect(Math.max(...r.losses.slice(-3))).toBeLessThan(r.losses[0]);
    const o = { prompts: ['a S* cat'], seed: 4 };
    const a = await model.sample({ ...o, adapters: { embeddings: { 'S*': slotRow() } } });
    const b = await model.sample({ ...o, adapters: { embeddings: { 'S*': r.embedding } } });
    expect(Array.from(b.tokens.data as Int32Array)).not.toEqual(Array.from(a.tokens.data as Int32Array));
  }, 60_000);

  it('refuses templates without the placeholder, grids out of range and a wrong initial word', async () => {
    await expect(trainArEmbedding(model, concept, { ...common, templates: ['a red cat'] })).rejects.toThrow(/the template "a red cat" does not use S\*/);
    const bad = tensor('int32', [1, 8, 8], new Int32Array(64).fill(16));
    await expect(trainArEmbedding(model, bad, common)).rejects.toThrow(/token 16 at row 0, column 0 is outside the tokenizer's 16 codes/);
    await expect(trainArEmbedding(model, concept, { ...common, init: f32([1, 4]) })).rejects.toThrow(/float32 \[1, 16\]/);
    await expect(trainArEmbedding(model, concept, { ...common, token: 'cat' })).rejects.toThrow(/"cat" is not a placeholder/);
  });
});
