// The AR family's learned methods on the tiny AR pack: each lowers its own objective in a few steps
// (and the concept's likelihood under the learned state), the likelihood is the training graph's
// token loss, adapters change samples, and what does not fit is refused naming the problem.
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { f32, type Tensor, tensor } from '../../ml/index.ts';
import { lookupTokens } from '../diffusion/text-encoder.ts';
import { trainArEmbedding } from './embedding.ts';
import { trainArLora } from './lora-tuning.ts';
import { initialPrefix, trainArPrefix } from './prefix-tuning.ts';
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

describe('trainArPrefix (prefix tuning, model frozen)', () => {
  it('lowers the concept’s loss, and samples with the prefix agree with the cache and without', async () => {
    const r = await trainArPrefix(model, concept, { ...common, length: 2, lr: 0.05 });
    expect(Object.keys(r.tensors).sort()).toEqual(['ar.blocks.0.attn.prefix_key', 'ar.blocks.0.attn.prefix_value', 'ar.blocks.1.attn.prefix_key', 'ar.blocks.1.attn.prefix_value']);
    for (const t of Object.values(r.tensors)) expect(t.shape).toEqual([2, 16]);
    expect(r.meta).toMatchObject({ family: 'autoregressive', adapter: 'prefix', model: 'tiny-ar-pack', length: '2', token: '<s1>' });
    expect(Math.max(...r.losses.slice(-3))).toBeLessThan(r.losses[0]);
    // Step 0's loss is the likelihood under the initial prefix; the learned one is lower.
    const init = await initialPrefix(model, 2);
    const prompts = ['a S* cat', 'a S* cat'];
    expect(mean(await model.likelihood(concept, prompts, { prefix: r.tensors }))).toBeLessThan(mean(await model.likelihood(concept, prompts, { prefix: init })) - 0.05);
    const o = { prompts: ['a S* cat', 'emoji of S*'], seed: 8, guidance: 2, adapters: { prefix: r.tensors } };
    const cached = await model.sample(o);
    expect((await model.sample({ ...o, cache: false })).tokens.data).toEqual(cached.tokens.data);
    expect((await model.sample({ ...o, adapters: { prefix: init } })).tokens.data).not.toEqual(cached.tokens.data);
  }, 60_000);

  it('refuses a prefix made for another model', async () => {
    const prefix = await initialPrefix(model, 2);
    const deeper = { ...prefix, 'ar.blocks.2.attn.prefix_key': prefix['ar.blocks.0.attn.prefix_key'], 'ar.blocks.2.attn.prefix_value': prefix['ar.blocks.0.attn.prefix_value'] };
    await expect(model.sample({ prompts: ['a cat'], seed: 1, adapters: { prefix: deeper } })).rejects.toThrow(/"ar\.blocks\.2\.attn\.prefix_key" is not a prefix of this transformer \(2 layers\): the prefix was made for another model/);
    const wider = Object.fromEntries(Object.entries(prefix).map(([k]) => [k, f32([2, 32])]));
    await expect(model.likelihood(concept, ['a cat', 'a cat'], { prefix: wider })).rejects.toThrow(/is \[2,32\], but this transformer needs \[2, 16\]: the prefix was made for another model/);
    await expect(trainArPrefix(model, concept, { ...common, length: 0 })).rejects.toThrow(/0 tokens per layer; give 1 … 64/);
  });
});

describe('trainArLora (attention LoRA, prior preservation, distillation, two-stage)', () => {
  const lora = { ...common, rank: 2, alpha: 2, lr: 0.02 };
  const asAdapter = (r: { tensors: Record<string, Tensor>; meta: Record<string, string> }, scale = 1) => ({ loras: [{ tensors: r.tensors, meta: r.meta, scale }] });

  it('starts as the base model, lowers the concept’s loss, and changes samples (cache and no cache agree)', async () => {
    const one = tensor('int32', [1, 8, 8], (concept.data as Int32Array).slice(64));
    const r = await trainArLora(model, one, { ...lora, templates: ['a S* cat'] });
    expect(Object.keys(r.tensors)).toHaveLength(2 * 4 * 2);
    expect(r.tensors['ar.blocks.1.attn.to_out.lora_A.weight'].shape).toEqual([2, 16]);
    expect(r.meta).toMatchObject({ family: 'autoregressive', adapter: 'lora', model: 'tiny-ar-pack', rank: '2', alpha: '2', token: '<s1>', method: 'lora' });
    // B starts at zero: step 0's loss is the base model's likelihood, the slot keeping its own row.
    expect(r.losses[0]).toBeCloseTo(mean(await model.likelihood(one, ['a S* cat'], { embeddings: { 'S*': slotRow() } })), 5);
    expect(mean(await model.likelihood(one, ['a S* cat'], asAdapter(r)))).toBeLessThan(r.losses[0] - 0.1);
    // Scale 0 is the base model again.
    expect(mean(await model.likelihood(one, ['a S* cat'], asAdapter(r, 0)))).toBeCloseTo(r.losses[0], 5);
    const o = { prompts: ['a S* cat', 'a S* cat'], seed: 2, guidance: 2 };
    const tuned = await model.sample({ ...o, adapters: asAdapter(r) });
    expect((await model.sample({ ...o, adapters: asAdapter(r), cache: false })).tokens.data).toEqual(tuned.tokens.data);
    expect((await model.sample({ ...o, adapters: { embeddings: { 'S*': slotRow() } } })).tokens.data).not.toEqual(tuned.tokens.data);
  }, 60_000);

  it('keeps the class closer to the frozen model with prior preservation or distillation', async () => {
    const classPrompt = 'a cat';
    const probe = (await model.sample({ prompts: ['a cat', 'a cat', 'a cat'], seed: 50 })).tokens;
    const base = await model.likelihood(probe, ['a cat', 'a cat', 'a cat']);
    const drift = async (r: { tensors: Record<string, Tensor>; meta: Record<string, string> }) => {
      const after = (await model.likelihood(probe, ['a cat', 'a cat', 'a cat'], asAdapter(r))).data as Float32Array;
      return after.reduce((s, v, i) => s + Math.abs(v - (base.data as Float32Array)[i]), 0) / after.length;
    };
    const o = { ...lora, steps: 20, lr: 0.05, batch: 2, templates: ['a S* cat'] };
    const plain = await trainArLora(model, concept, o);
    const kept = await trainArLora(model, concept, { ...o, prior: { mode: 'preservation', prompt: classPrompt, count: 4, weight: 1 } });
    const distilled = await trainArLora(model, concept, { ...o, prior: { mode: 'distillation', prompt: classPrompt, count: 4, weight: 1 } });
    expect(kept.meta.prior).toMatch(/preservation on "a cat"/);
    const [dp, dk, dd] = [await drift(plain), await drift(kept), await drift(distilled)];
    expect(dk).toBeLessThan(dp);
    expect(dd).toBeLessThan(dp);
    // Each still learns the concept.
    for (const r of [kept, distilled]) expect(mean(await model.likelihood(concept, ['a S* cat', 'a S* cat'], asAdapter(r)))).toBeLessThan(mean(await model.likelihood(concept, ['a S* cat', 'a S* cat'], { embeddings: { 'S*': slotRow() } })));
  }, 90_000);

  it('two-stage: the placeholder is bound to a learned word while the adapters tune', async () => {
    const one = tensor('int32', [1, 8, 8], (concept.data as Int32Array).slice(0, 64));
    const { embedding } = await trainArEmbedding(model, one, { ...common, templates: ['a S* cat'], lr: 0.1 });
    const r = await trainArLora(model, one, { ...lora, templates: ['a S* cat'], embedding });
    expect(r.meta.method).toBe('two-stage');
    // Stage two starts where stage one ended: the likelihood under the learned word.
    const withWord = mean(await model.likelihood(one, ['a S* cat'], { embeddings: { 'S*': embedding } }));
    expect(r.losses[0]).toBeCloseTo(withWord, 5);
    expect(mean(await model.likelihood(one, ['a S* cat'], { ...asAdapter(r), embeddings: { 'S*': embedding } }))).toBeLessThan(withWord - 0.05);
  }, 60_000);

  it('refuses bad settings', async () => {
    await expect(trainArLora(model, concept, { ...lora, rank: 0 })).rejects.toThrow(/LoRA rank 0: give a whole number 1 … 16/);
    await expect(trainArLora(model, concept, { ...lora, prior: { mode: 'preservation', prompt: 'a cat', count: 0, weight: 1 } })).rejects.toThrow(/preservation: 0 class grids/);
  });
});
