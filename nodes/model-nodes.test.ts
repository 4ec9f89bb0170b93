// The model nodes on a tiny random pack, through the same job path the executors take: loading and
// refusing packs, placeholders, encode/decode, metrics, the four samplers, DDIM inversion.
import { copyFile, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { f32 } from '../ml/index.ts';
import { modelRef, runNode, tensorOf, testImages, tinyPackDir } from './personalize/testing.ts';

let pack: string;
beforeAll(async () => {
  pack = await tinyPackDir();
});

const prompt = (text: string, embeddings?: Record<string, ReturnType<typeof f32>>) => ({ kind: 'prompt', text, ...(embeddings ? { embeddings } : {}) });

describe('Model Loader', () => {
  it('loads a pack folder into a reference', async () => {
    const { outputs } = await runNode('model-loader', { pack });
    expect(outputs.model).toEqual({ kind: 'model', pack, loras: [] });
  });

  it('refuses a pack with a missing or mismatched weights file, naming the component', async () => {
    const broken = await mkdtemp(join(tmpdir(), 'broken-pack-'));
    await copyFile(join(pack, 'manifest.json'), join(broken, 'manifest.json'));
    await expect(runNode('model-loader', { pack: broken })).rejects.toThrow(/component "vae".*cannot be read/);
    for (const f of ['vae', 'text-encoder', 'unet', 'evaluator', 'concept-encoder']) await copyFile(join(pack, `${f}.safetensors`), join(broken, `${f}.safetensors`));
    await writeFile(join(broken, 'unet.safetensors'), new Uint8Array(100));
    await expect(runNode('model-loader', { pack: broken })).rejects.toThrow(/component "unet".*100 bytes/);
  });

  it('loads a pack given as separate files', async () => {
    const files = Object.fromEntries(['manifest.json', 'vae.safetensors', 'text-encoder.safetensors', 'unet.safetensors', 'evaluator.safetensors', 'concept-encoder.safetensors'].map((f) => [f, join(pack, f)]));
    const { outputs } = await runNode('model-loader', { files });
    expect((outputs.model as { pack: string }).pack).toMatch(/^files:/);
  });
});

describe('Text Prompt placeholders', () => {
  it('binds a wired embedding to S*, and refuses one the text does not use', async () => {
    const e = { kind: 'embedding', tensor: f32([1, 16], new Array(16).fill(0.1)), token: 'S*' };
    const { outputs } = await runNode('text-prompt', { text: 'a S* on the beach' }, { embeddings: [e] });
    expect(Object.keys((outputs.prompt as { embeddings: object }).embeddings)).toEqual(['<s1>']);
    await expect(runNode('text-prompt', { text: 'a cat' }, { embeddings: [e] })).rejects.toThrow(/does not use S\*/);
  });
});

describe('Encoder Inversion (autoencoder) and Decoder', () => {
  it('encodes images to latents of the pack’s shape and decodes them back to images', async () => {
    const model = modelRef(pack);
    const enc = await runNode('encoder-inversion', { mode: 'autoencoder' }, { model, images: testImages(2) });
    const latent = enc.outputs.latent as unknown as { space: string; tensor: { shape: number[] } };
    expect(latent.space).toBe('latent');
    expect(latent.tensor.shape).toEqual([2, 4, 16, 16]);
    const dec = await runNode('decoder', {}, { model, latent });
    const img = tensorOf(dec.outputs, 'images');
    expect(img.shape).toEqual([2, 3, 64, 64]);
    expect(Math.min(...(img.data as Float32Array))).toBeGreaterThanOrEqual(0);
  });

  it('says what to do with an image of the wrong size or mode', async () => {
    const model = modelRef(pack);
    await expect(runNode('encoder-inversion', {}, { model, images: testImages(1, 32) })).rejects.toThrow(/32×32.*64×64.*Resize/);
    const grey = { kind: 'image', tensor: f32([1, 1, 64, 64]) };
    await expect(runNode('encoder-inversion', {}, { model, images: grey })).rejects.toThrow(/1 channel.*RGB/);
  });
});

describe('Metrics', () => {
  it('scores images against themselves as perfect and exports a table', async () => {
    const model = modelRef(pack);
    const images = testImages(2);
    const { outputs } = await runNode('metrics', {}, { model, images, references: images, prompt: prompt('a S* emoji') });
    const v = (outputs.metrics as { values: Record<string, number> }).values;
    expect(v.ssim).toBeCloseTo(1, 5);
    expect(v.psnr).toBe(100);
    expect(v.clipI).toBeGreaterThan(0.5);
    expect(v.clipT).toBeGreaterThanOrEqual(-1);
    expect(v.clipT).toBeLessThanOrEqual(1);
    const csv = new TextDecoder().decode((outputs.table as { files: { bytes: Uint8Array }[] }).files[0].bytes);
    expect(csv).toMatch(/^metric,value\n/);
    expect(csv).toContain('clipI,');
    const other = await runNode('metrics', {}, { model, images, references: testImages(2, 64, 9) });
    expect((other.outputs.metrics as { values: Record<string, number> }).values.psnr).toBeLessThan(40);
  });
});

describe('Sampler', () => {
  it('runs every sampler, is a function of the seed, previews while stepping', async () => {
    const model = modelRef(pack);
    const p = prompt('a cat emoji');
    for (const sampler of ['ddpm', 'ddim', 'euler-a', 'dpm++2m']) {
      const r = await runNode('sampler', { sampler, steps: 4, seed: 3, batch: 2, previewEvery: 2 }, { model, prompt: p });
      const t = tensorOf(r.outputs, 'latent');
      expect(t.shape, sampler).toEqual([2, 4, 16, 16]);
      expect(Array.from(t.data).every(Number.isFinite), sampler).toBe(true);
      expect(r.previews.length, sampler).toBe(1);
      expect(r.progress.at(-1), sampler).toEqual([4, 4]);
    }
    const a = tensorOf((await runNode('sampler', { steps: 3, seed: 1 }, { model, prompt: p })).outputs, 'latent');
    const b = tensorOf((await runNode('sampler', { steps: 3, seed: 1 }, { model, prompt: p })).outputs, 'latent');
    const c = tensorOf((await runNode('sampler', { steps: 3, seed: 2 }, { model, prompt: p })).outputs, 'latent');
    const arr = (t: { data: unknown }) => Array.from(t.data as Float32Array);
    expect(arr(a)).toEqual(arr(b));
    expect(arr(a)).not.toEqual(arr(c));
  });

  it('refuses a prompt whose placeholder has no embedding bound', async () => {
    await expect(runNode('sampler', { steps: 2 }, { model: modelRef(pack), prompt: prompt('a S* emoji') })).rejects.toThrow(/uses S\* but no embedding is bound/);
  });

  // A random tiny denoiser makes inversion coarse (its ε̂ changes fast with x), so the check is
  // relative: regenerating from the inverted noise lands far closer than sampling from fresh noise.
  it('regenerates a latent from its DDIM inversion better than from fresh noise', async () => {
    const model = modelRef(pack);
    const latent = (await runNode('encoder-inversion', { mode: 'autoencoder' }, { model, images: testImages(1) })).outputs.latent as { tensor: { data: Float32Array } };
    const p = prompt('a cat emoji');
    const inv = await runNode('encoder-inversion', { mode: 'ddim', steps: 20 }, { model, latent, prompt: p });
    const noise = inv.outputs.latent as { space: string };
    expect(noise.space).toBe('noise');
    const regen = tensorOf((await runNode('sampler', { sampler: 'ddim', steps: 20, guidance: 1 }, { model, prompt: p, latent: noise })).outputs, 'latent');
    const fresh = tensorOf((await runNode('sampler', { sampler: 'ddim', steps: 20, guidance: 1, seed: 5 }, { model, prompt: p })).outputs, 'latent');
    const x0 = latent.tensor.data;
    const dist = (y: ArrayLike<number>) => Math.sqrt(Array.from(x0).reduce((s, v, i) => s + (y[i] - v) ** 2, 0));
    expect(dist(regen.data)).toBeLessThan(0.5 * dist(fresh.data));
  });
});
