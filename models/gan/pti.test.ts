import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { f32, Rng, randn, type Tensor } from '../../ml/index.ts';
import type { GanModel } from './model.ts';
import { applyLora, checkGanLora, ganLoraLayers, pivotalTuning, pivotOf, type PivotalTuningOptions } from './pti.ts';
import { psnr, tinyGan as c, tinyModel } from './testing.ts';

let model: GanModel;
let other: GanModel;
let images: Tensor;
beforeAll(async () => {
  model = await tinyModel(1);
  // Images of another generator: no w of this one renders them, so W leaves something to tune.
  other = await tinyModel(2, 'other-gan');
  images = await other.synthesize('w', await other.sample({ n: 2, seed: 3 }));
});
afterAll(async () => {
  await model.release();
  await other.release();
});

const px = (t: Tensor) => t.data as Float32Array;
const mse = (a: Tensor, b: Tensor) => px(a).reduce((s, v, i) => s + (v - px(b)[i]) ** 2, 0) / a.data.length;
const base: PivotalTuningOptions = { pivotSteps: 30, steps: 40, lr: 0.02, rank: 2, alpha: 2, locality: { weight: 0, samples: 0, radius: 0 }, seed: 4 };

/** A point at `radius` from the first pivot towards a fresh mapped w (not one of the locality samples). */
async function farFrom(pivot: Tensor, radius: number): Promise<Tensor> {
  const wz = px(await model.sample({ n: 1, seed: 77 }));
  const wp = px(pivot).subarray(0, c.wDim);
  const d = wz.map((v, i) => v - wp[i]);
  const norm = Math.hypot(...d);
  return f32([1, c.wDim], wp.map((v, i) => v + (radius * d[i]) / norm));
}

describe('pivotal tuning', () => {
  it('fits LoRA that reproduces the images at their pivots better; locality keeps a distant w nearly unchanged', async () => {
    const free = await pivotalTuning(model, images, base);
    expect(free.pivot.shape).toEqual([2, c.wDim]);
    expect(free.pivotLosses.length).toBe(30);
    expect(free.losses.at(-1)!).toBeLessThan(free.losses[0]);
    const tuned = applyLora(model, { tensors: free.lora, meta: free.meta });
    const before = psnr(px(await model.synthesize('w', free.pivot)), px(images));
    const after = psnr(px(await tuned.synthesize('w', free.pivot)), px(images));
    expect(after).toBeGreaterThan(before + 2);
    // Scale 0 is the original generator.
    const off = applyLora(model, { tensors: free.lora, meta: free.meta }, 0);
    expect(mse(await off.synthesize('w', free.pivot), await model.synthesize('w', free.pivot))).toBe(0);

    // The same tuning from the same pivots, with the locality regularizer on.
    const radius = 2;
    const local = await pivotalTuning(model, images, { ...base, pivot: free.pivot, locality: { weight: 20, samples: 6, radius } });
    expect(local.pivotLosses).toEqual([]);
    const far = await farFrom(free.pivot, radius);
    const original = await model.synthesize('w', far);
    const changeFree = mse(await tuned.synthesize('w', far), original);
    const changeLocal = mse(await applyLora(model, { tensors: local.lora, meta: local.meta }).synthesize('w', far), original);
    expect(changeLocal).toBeLessThan(0.2 * changeFree);
    // ...while still fitting the images at the pivots.
    expect(psnr(px(await applyLora(model, { tensors: local.lora, meta: local.meta }).synthesize('w', free.pivot)), px(images))).toBeGreaterThan(before + 0.5);
  });

  it('adapts only the chosen layers and records what it was made for', async () => {
    const layers = ganLoraLayers(c)
      .map((l) => l.path)
      .filter((p) => p.includes('b16'));
    const r = await pivotalTuning(model, images, { ...base, pivotSteps: 3, steps: 3, layers });
    expect(Object.keys(r.lora).sort()).toEqual(layers.flatMap((l) => [`${l}.lora_A.weight`, `${l}.lora_B.weight`]).sort());
    expect(r.lora['g.synthesis.b16.conv0.conv.lora_A.weight'].shape).toEqual([2, 6, 3, 3]);
    expect(r.lora['g.synthesis.b16.conv0.conv.lora_B.weight'].shape).toEqual([4, 2, 1, 1]);
    expect(r.meta).toMatchObject({ family: 'gan', generator: 'tiny-gan', rank: '2', alpha: '2', layers: layers.join(',') });
    expect(Array.from(px(pivotOf(model, r.meta)))).toEqual(Array.from(px(r.pivot)));
    expect(checkGanLora(model, r.lora, r.meta)).toEqual({ rank: 2, alpha: 2 });
    await expect(pivotalTuning(model, images, { ...base, steps: 1, pivotSteps: 1, layers: ['g.synthesis.b99.conv'] })).rejects.toThrow(/"g.synthesis.b99.conv" is not a modulated convolution/);
  });

  it('refuses a LoRA made for another model', () => {
    const rng = new Rng(1);
    // A diffusion LoRA: its metadata names a pack and a denoiser, its layers are the UNet's.
    const diffusion = { 'unet.down.0.attn.to_q.lora_A.weight': randn([2, 8], rng), 'unet.down.0.attn.to_q.lora_B.weight': randn([8, 2], rng) };
    const dMeta = { format: 'personalize-lora-v1', pack: 'tiny-pack', unet: 'abc', rank: '2', alpha: '2' };
    expect(() => applyLora(model, { tensors: diffusion, meta: dMeta })).toThrow('this LoRA was made for a diffusion model, not for the GAN "tiny-gan"');
    const layer = 'g.synthesis.b8.conv1.conv';
    const fits = { [`${layer}.lora_A.weight`]: randn([2, 6, 3, 3], rng), [`${layer}.lora_B.weight`]: randn([6, 2, 1, 1], rng) };
    const meta = { family: 'gan', generator: 'tiny-gan', rank: '2', alpha: '2' };
    expect(() => applyLora(model, { tensors: fits, meta: { ...meta, generator: 'other-gan' } })).toThrow('this LoRA was made for the GAN "other-gan", not "tiny-gan"');
    // GAN metadata, but adapters of a generator with other layers or other channels.
    expect(() => applyLora(model, { tensors: diffusion, meta })).toThrow(/LoRA layer "unet.down.0.attn.to_q" is not a modulated convolution of the GAN "tiny-gan": the LoRA was made for another model/);
    const wide = { [`${layer}.lora_A.weight`]: randn([2, 16, 3, 3], rng), [`${layer}.lora_B.weight`]: randn([16, 2, 1, 1], rng) };
    expect(() => applyLora(model, { tensors: wide, meta })).toThrow(/has A \[2,16,3,3\] and B \[16,2,1,1\], but this generator needs \[2,6,3,3\] and \[6,2,1,1\]/);
    expect(() => applyLora(model, { tensors: fits, meta })).not.toThrow();
  });
});
