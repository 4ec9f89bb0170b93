// Optimization-based inversion and LoRA on a tiny random pack: each space lowers its loss, an
// initial value is honoured (hybrid), a diverging run keeps its last good value and says so, and a
// LoRA round-trips through its file but is refused by another model.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_MIN_SNR_GAMMA } from '../models/personalize/denoising-batch.ts';
import latentOptimizer from './latent-optimizer.ts';
import loraTrainer from './lora-trainer.ts';
import { modelRef, runNode, tensorOf, testImages, tinyPackDir } from './personalize/testing.ts';

let pack: string;
let other: string;
beforeAll(async () => {
  pack = await tinyPackDir();
  other = await tinyPackDir({ seed: 2 });
});

const series = (o: Record<string, unknown>) => o.loss as { values: number[]; note?: string; stochastic?: boolean };
const first = (xs: number[], k = 3) => xs.slice(0, k).reduce((a, b) => a + b, 0) / k;
const last = (xs: number[], k = 3) => xs.slice(-k).reduce((a, b) => a + b, 0) / k;

describe('Latent Optimizer', () => {
  it('inverts the decoder (latent space), from zeros or from the encoder’s latent (hybrid)', async () => {
    const model = modelRef(pack);
    const images = testImages(1);
    const r = await runNode('latent-optimizer', { space: 'latent', steps: 30, lr: 0.05, previewEvery: 10 }, { model, images });
    const loss = series(r.outputs).values;
    expect(loss).toHaveLength(30);
    expect(last(loss)).toBeLessThan(first(loss));
    expect(series(r.outputs).stochastic).toBeUndefined(); // a deterministic objective: drawn raw
    // The curve alone first, then the decoded latent beside the curve from the first sample on.
    expect(r.previews[0].width).toBe(96);
    expect(r.previews.filter((p) => p.width > 96).length).toBeGreaterThanOrEqual(2);
    expect(tensorOf(r.outputs, 'latent').shape).toEqual([1, 4, 16, 16]);
    expect(tensorOf(r.outputs, 'embedding').shape).toEqual([0, 16]);
    const init = (await runNode('encoder-inversion', {}, { model, images })).outputs.latent;
    const hybrid = await runNode('latent-optimizer', { space: 'latent', steps: 1, lr: 1e-9 }, { model, images, init });
    const a = tensorOf(hybrid.outputs, 'latent').data;
    const b = (init as unknown as { tensor: { data: Float32Array } }).tensor.data;
    expect(Math.max(...a.map((v, i) => Math.abs(v - b[i])))).toBeLessThan(1e-5);
  });

  it('learns a start noise whose DDIM round trip approaches the image latent', async () => {
    const r = await runNode('latent-optimizer', { space: 'noise', steps: 15, lr: 0.05, ddimSteps: 2 }, { model: modelRef(pack), images: testImages(1), prompt: { kind: 'prompt', text: 'a cat' } });
    const loss = series(r.outputs).values;
    expect(last(loss)).toBeLessThan(first(loss));
    expect((r.outputs.latent as { space: string }).space).toBe('noise');
  });

  it('learns a word embedding for S* (Textual Inversion) that a prompt can bind', async () => {
    const model = modelRef(pack);
    const r = await runNode('latent-optimizer', { space: 'text-embedding', steps: 6, lr: 0.01, batch: 2, templates: ['a S* emoji', 'S*'], previewEvery: 3 }, { model, images: testImages(2) });
    expect(series(r.outputs).values).toHaveLength(6);
    expect(series(r.outputs).stochastic).toBe(true); // random timesteps and noise: drawn smoothed
    expect(r.previews.filter((p) => p.width > 96)).toHaveLength(1);
    const embedding = r.outputs.embedding as unknown as { token: string; tensor: { shape: number[] } };
    expect(embedding.token).toBe('S*');
    expect(embedding.tensor.shape).toEqual([1, 16]);
    const prompt = (await runNode('text-prompt', { text: 'S* on the beach' }, { embeddings: [embedding] })).outputs.prompt;
    const out = await runNode('sampler', { steps: 2 }, { model, prompt });
    expect(tensorOf(out.outputs, 'latent').shape).toEqual([1, 4, 16, 16]);
  });

  it('weighs the denoising loss by min-SNR-γ, the models’ default, and by the plain error at γ = 0', async () => {
    expect(latentOptimizer.params.parse({}).minSnrGamma).toBe(DEFAULT_MIN_SNR_GAMMA);
    expect(loraTrainer.params.parse({}).minSnrGamma).toBe(DEFAULT_MIN_SNR_GAMMA);
    const model = modelRef(pack);
    const run = async (type: string, params: Record<string, unknown>) => series((await runNode(type, { steps: 1, batch: 16, templates: ['S*'], previewEvery: 0, ...params }, { model, images: testImages(1) })).outputs).values[0];
    // Same seed: the same timesteps and noise, so only the weights differ, and min-SNR never weighs above 1.
    for (const [type, extra] of [['latent-optimizer', { space: 'text-embedding' }], ['lora-trainer', {}]] as const) {
      const plain = await run(type, { ...extra, minSnrGamma: 0 });
      expect(await run(type, { ...extra, minSnrGamma: 1 })).toBeLessThan(plain * 0.95);
    }
  });
});

describe('Concept Encoder', () => {
  it('maps images to one embedding for S*, which starts a Textual Inversion (hybrid)', async () => {
    const model = modelRef(pack);
    const enc = await runNode('concept-encoder', { token: 'S2*' }, { model, images: testImages(3) });
    const embedding = enc.outputs.embedding as unknown as { token: string; tensor: { shape: number[]; data: Float32Array } };
    expect(embedding.token).toBe('S2*');
    expect(embedding.tensor.shape).toEqual([1, 16]);
    const r = await runNode('latent-optimizer', { space: 'text-embedding', token: 'S2*', templates: ['S2*'], steps: 1, lr: 1e-9, batch: 1 }, { model, images: testImages(1), initEmbedding: embedding });
    const learned = tensorOf(r.outputs, 'embedding').data;
    expect(Math.max(...learned.map((v, i) => Math.abs(v - embedding.tensor.data[i])))).toBeLessThan(1e-5);
  });

  it('saves the embedding as a file that a Model Loader adds as a token; another model refuses it', async () => {
    const model = modelRef(pack);
    const enc = await runNode('concept-encoder', {}, { model, images: testImages(1) });
    const file = (enc.outputs.file as { files: { name: string; bytes: Uint8Array }[] }).files[0];
    const dir = await mkdtemp(join(tmpdir(), 'embedding-'));
    const path = join(dir, file.name);
    await writeFile(path, file.bytes);
    const withToken = (await runNode('model-loader', { pack, tokens: [{ token: 'S*', source: path }] })).outputs.model;
    const prompt = { kind: 'prompt', text: 'a S* emoji' };
    const viaFile = tensorOf((await runNode('sampler', { steps: 2, seed: 4 }, { model: withToken, prompt })).outputs, 'latent');
    const bound = (await runNode('text-prompt', { text: 'a S* emoji' }, { embeddings: [enc.outputs.embedding] })).outputs.prompt;
    const viaWire = tensorOf((await runNode('sampler', { steps: 2, seed: 4 }, { model, prompt: bound })).outputs, 'latent');
    expect(Array.from(viaFile.data)).toEqual(Array.from(viaWire.data));
    const renamed = await tinyPackDir({ name: 'another-pack' });
    await expect(runNode('model-loader', { pack: renamed, tokens: [{ token: 'S*', source: path }] })).rejects.toThrow(/made for the model "tiny-test-pack", not "another-pack"/);
  });

  it('says so when the pack has no concept encoder', async () => {
    const bare = await tinyPackDir({ without: ['conceptEncoder'] });
    await expect(runNode('concept-encoder', {}, { model: modelRef(bare), images: testImages(1) })).rejects.toThrow(/no concept encoder/);
  });
});

describe('LoRA Trainer', () => {
  it('trains adapters with prior preservation, saves them, loads them back, and another model refuses them', async () => {
    const model = modelRef(pack);
    const r = await runNode(
      'lora-trainer',
      { rank: 2, steps: 4, batch: 2, templates: ['a S* emoji'], priorImages: 2, classPrompt: 'an emoji', priorSteps: 2, previewEvery: 2, target: 'cross-attention-kv' },
      { model, images: testImages(1) },
    );
    expect(series(r.outputs).values).toHaveLength(4);
    expect(series(r.outputs).stochastic).toBe(true);
    expect(r.previews.filter((p) => p.width > 96)).toHaveLength(1);
    const lora = r.outputs.lora as { tensors: Record<string, unknown>; meta: Record<string, string> };
    expect(Object.keys(lora.tensors).every((k) => /attn2\.to_(k|v)\.lora_[AB]\.weight$/.test(k))).toBe(true);
    expect(lora.meta.token).toBe('<s1>');
    const file = (r.outputs.file as { files: { name: string; bytes: Uint8Array }[] }).files[0];
    expect(file.name).toBe('concept-lora.safetensors');

    const dir = await mkdtemp(join(tmpdir(), 'lora-'));
    const path = join(dir, file.name);
    await writeFile(path, file.bytes);
    const prompt = { kind: 'prompt', text: 'a S* emoji' };
    const withFile = (await runNode('model-loader', { pack, loras: [{ source: path, scale: 1 }] })).outputs.model;
    const a = tensorOf((await runNode('sampler', { steps: 2, seed: 1 }, { model: withFile, prompt })).outputs, 'latent');
    const b = tensorOf((await runNode('sampler', { steps: 2, seed: 1 }, { model, prompt, lora: lora })).outputs, 'latent');
    expect(Array.from(a.data)).toEqual(Array.from(b.data));

    await expect(runNode('model-loader', { pack: other, loras: [{ source: path, scale: 1 }] })).rejects.toThrow(/another version/);
    await writeFile(join(dir, 'junk.safetensors'), new Uint8Array(64));
    await expect(runNode('model-loader', { pack, loras: [{ source: join(dir, 'junk.safetensors'), scale: 1 }] })).rejects.toThrow(/LoRA/);
  });
});
