// The shared nodes on a GAN pack (a smoke-trained generator, the evaluator, an untrained encoder):
// every node reaches the GAN through the family its manifest names, and what does not fit a GAN
// (a diffusion space, a diffusion LoRA, a diffusion-only node) is refused on that node.
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { f32, writeSafetensors } from '../ml/index.ts';
import { writeTinyGanPack } from '../models/train/tiny-gan-pack.ts';
import { modelRef, runNode, tensorOf, tinyPackDir } from './personalize/testing.ts';

let pack: string;
let diffusionPack: string;
beforeAll(async () => {
  pack = await mkdtemp(join(tmpdir(), 'gan-nodes-'));
  await writeTinyGanPack(pack);
  diffusionPack = await tinyPackDir();
}, 180_000);

const prompt = (text: string) => ({ kind: 'prompt', text });
const latent = (space: string, t: { shape: readonly number[]; data: Float32Array }) => ({ kind: 'latent', space, tensor: f32([...t.shape], t.data) });
const images = (t: { shape: readonly number[]; data: Float32Array }) => ({ kind: 'image', tensor: f32([...t.shape], t.data) });
const mse = (a: Float32Array, b: Float32Array) => a.reduce((s, v, i) => s + (v - b[i]) ** 2, 0) / a.length;

describe('the shared nodes on a GAN pack', () => {
  it('loads the pack, samples w by prompt and seed, and renders it; truncation pulls towards the mean', async () => {
    const model = (await runNode('model-loader', { pack })).outputs.model;
    const s1 = tensorOf((await runNode('sampler', { seed: 3, batch: 2, psi: 1 }, { model, prompt: prompt('face smiling') })).outputs, 'latent');
    const s2 = tensorOf((await runNode('sampler', { seed: 3, batch: 2, psi: 1 }, { model, prompt: prompt('face smiling') })).outputs, 'latent');
    expect(s1.shape).toEqual([2, s1.shape[1]]);
    expect(Array.from(s1.data)).toEqual(Array.from(s2.data));
    const img = tensorOf((await runNode('decoder', {}, { model, latent: latent('w', s1) })).outputs, 'images');
    expect(img.shape).toEqual([2, 3, 64, 64]);
    expect(Math.min(...img.data)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...img.data)).toBeLessThanOrEqual(1);
    // ψ = 0 collapses every w to the mean: both samples become one image.
    const mean = tensorOf((await runNode('sampler', { seed: 3, batch: 2, psi: 0 }, { model, prompt: prompt('face smiling') })).outputs, 'latent');
    const D = mean.shape[1];
    expect(Array.from(mean.data.slice(0, D))).toEqual(Array.from(mean.data.slice(D)));
  });

  it('inverts a generated image in W+, closer than the mean code; the encoder gives W+ codes a Latent Edit moves', async () => {
    const model = (await runNode('model-loader', { pack })).outputs.model;
    const w = tensorOf((await runNode('sampler', { seed: 5, batch: 1 }, { model, prompt: prompt('') })).outputs, 'latent');
    const target = tensorOf((await runNode('decoder', {}, { model, latent: latent('w', w) })).outputs, 'images');
    const inv = await runNode('latent-optimizer', { space: 'w+', steps: 30, lr: 0.05, previewEvery: 0 }, { model, images: images(target) });
    const code = tensorOf(inv.outputs, 'latent');
    expect((inv.outputs.latent as { space: string }).space).toBe('w+');
    const losses = (inv.outputs.loss as { values: number[] }).values;
    expect(losses[losses.length - 1]).toBeLessThan(losses[0]);
    const enc = tensorOf((await runNode('encoder-inversion', { mode: 'encoder', passes: 2 }, { model, images: images(target) })).outputs, 'latent');
    expect(enc.shape).toEqual(code.shape);
    const fromEncoder = tensorOf((await runNode('decoder', {}, { model, latent: latent('w+', enc) })).outputs, 'images');
    const fromOptimizer = tensorOf((await runNode('decoder', {}, { model, latent: latent('w+', code) })).outputs, 'images');
    // The untrained encoder returns the mean code; optimization moves closer to the image.
    expect(mse(fromOptimizer.data, target.data)).toBeLessThan(mse(fromEncoder.data, target.data));
    // An edit on the fine layers leaves the coarse entries of W+ as they were.
    const edited = tensorOf((await runNode('latent-edit', { direction: 'principal', component: 0, strength: 2, layers: 'fine' }, { model, latent: latent('w+', code) })).outputs, 'latent');
    const [, L, Dw] = code.shape;
    expect(Array.from(edited.data.slice(0, 8 * Dw))).toEqual(Array.from(code.data.slice(0, 8 * Dw)));
    expect(Array.from(edited.data.slice(8 * Dw, L * Dw))).not.toEqual(Array.from(code.data.slice(8 * Dw, L * Dw)));
    await expect(runNode('latent-edit', { direction: 'label', target: 'no-such-thing' }, { model, latent: latent('w+', code) })).rejects.toThrow(/"no-such-thing" is not a sub-category/);
  });

  it('tunes a LoRA at a wired pivot (pivotal tuning) that the Decoder renders through; a diffusion LoRA is refused', async () => {
    const model = (await runNode('model-loader', { pack })).outputs.model;
    const w = tensorOf((await runNode('sampler', { seed: 7, batch: 1 }, { model, prompt: prompt('') })).outputs, 'latent');
    const other = tensorOf((await runNode('sampler', { seed: 8, batch: 1 }, { model, prompt: prompt('') })).outputs, 'latent');
    const target = tensorOf((await runNode('decoder', {}, { model, latent: latent('w', other) })).outputs, 'images');
    const tuned = await runNode('lora-trainer', { steps: 15, lr: 0.01, rank: 2, alpha: 2, pivotSteps: 0, previewEvery: 0 }, { model, images: images(target), latent: latent('w', w) });
    const lora = tuned.outputs.lora as { tensors: Record<string, unknown>; meta: Record<string, string> };
    expect(lora.meta.family).toBe('gan');
    const before = tensorOf((await runNode('decoder', {}, { model, latent: latent('w', w) })).outputs, 'images');
    const after = tensorOf((await runNode('decoder', {}, { model, latent: latent('w', w), lora: tuned.outputs.lora })).outputs, 'images');
    expect(mse(after.data, target.data)).toBeLessThan(mse(before.data, target.data));
    const foreign = { kind: 'lora', tensors: { 'unet.x.lora_A.weight': f32([1, 1]) }, meta: { family: 'diffusion', rank: '1', alpha: '1' } };
    await expect(runNode('decoder', {}, { model, latent: latent('w', w), lora: foreign })).rejects.toThrow(/made for a diffusion model/);
    // The same refusal through a Model Loader's LoRA file.
    const file = join(pack, 'foreign-lora.safetensors');
    await (await import('node:fs/promises')).writeFile(file, writeSafetensors(foreign.tensors, foreign.meta));
    await expect(runNode('model-loader', { pack, loras: [{ source: file, scale: 1 }] })).rejects.toThrow(/made for a diffusion model/);
  });

  it('says what a GAN does not offer, and a diffusion pack what it does not', async () => {
    const gan = modelRef(pack);
    const img = { kind: 'image', tensor: f32([1, 3, 64, 64]) };
    await expect(runNode('latent-optimizer', { space: 'text-embedding', steps: 1 }, { model: gan, images: img })).rejects.toThrow(/is a GAN pack: its inversion spaces are z, w, w\+, s, f, not text-embedding/);
    await expect(runNode('encoder-inversion', { mode: 'ddim' }, { model: gan, images: img })).rejects.toThrow(/is a GAN pack: its inversion is "encoder"/);
    await expect(runNode('latent-optimizer', { space: 'w+', steps: 1 }, { model: gan, images: { kind: 'image', tensor: f32([1, 3, 32, 32]) } })).rejects.toThrow(/32×32 but .* works at 64×64/);
    await expect(runNode('decoder', {}, { model: gan, latent: { kind: 'latent', space: 'w+', tensor: f32([1, 3, 7]) } })).rejects.toThrow(/W\+ code \[1,3,7\] is for another generator/);
    await expect(runNode('concept-encoder', {}, { model: gan, images: img })).rejects.toThrow(/diffusion \(latent-diffusion\) pack is needed/);
    const diffusion = modelRef(diffusionPack);
    await expect(runNode('latent-optimizer', { space: 'w+', steps: 1 }, { model: diffusion, images: img })).rejects.toThrow(/is a diffusion pack: its inversion spaces are latent, noise, text-embedding, not w\+/);
    await expect(runNode('latent-edit', {}, { model: diffusion, latent: { kind: 'latent', space: 'w+', tensor: f32([1, 3, 7]) } })).rejects.toThrow(/is a diffusion model, which offers no latent editing directions/);
  });

  it('scores images with the pack’s evaluator', async () => {
    const model = modelRef(pack);
    const w = tensorOf((await runNode('sampler', { seed: 1, batch: 1 }, { model, prompt: prompt('') })).outputs, 'latent');
    const img = tensorOf((await runNode('decoder', {}, { model, latent: latent('w', w) })).outputs, 'images');
    const m = (await runNode('metrics', {}, { model, images: images(img), references: images(img), prompt: prompt('a cat') })).outputs.metrics as { values: Record<string, number> };
    expect(m.values.clipI).toBeCloseTo(1, 4);
    expect(m.values.psnr).toBeGreaterThan(60);
    expect(Number.isFinite(m.values.clipT)).toBe(true);
  });
});
