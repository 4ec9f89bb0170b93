// AR adapter files: what trainArLora and trainArPrefix return round-trips through safetensors and
// passes the check; a file made for another AR pack, another version of this one, a diffusion
// model or a GAN is refused naming what it was made for, as are tensors of another shape or depth.
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { f32, type Tensor, writeSafetensors } from '../../ml/index.ts';
import { checkArAdapter, readArAdapterFile, writeArAdapterFile } from './adapter-file.ts';
import { trainArLora } from './lora-tuning.ts';
import type { ArModel } from './model.ts';
import { trainArPrefix } from './prefix-tuning.ts';
import { tinyArModel } from './testing.ts';

let model: ArModel;
let other: ArModel;
const dirs: string[] = [];
let lora: { tensors: Record<string, Tensor>; meta: Record<string, string> };
let prefix: { tensors: Record<string, Tensor>; meta: Record<string, string> };
let deeper: { tensors: Record<string, Tensor>; meta: Record<string, string> };
const concept = { dtype: 'int32' as const, shape: [1, 8, 8], data: Int32Array.from({ length: 64 }, (_, i) => i % 5) };
const o = { steps: 2, lr: 0.01, batch: 1, seed: 1, templates: ['a S* cat'], token: 'S*' };

beforeAll(async () => {
  const a = await tinyArModel();
  const b = await tinyArModel({ name: 'tiny-ar-deep', layers: 3, seed: 2 });
  [model, other] = [a.model, b.model];
  dirs.push(a.dir, b.dir);
  lora = await trainArLora(model, concept, { ...o, rank: 2, alpha: 4 });
  prefix = await trainArPrefix(model, concept, { ...o, length: 2 });
  deeper = await trainArLora(other, concept, { ...o, rank: 2, alpha: 4 });
}, 60_000);
afterAll(async () => {
  await model?.release();
  await other?.release();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('AR adapter files', () => {
  it('round-trip through safetensors and pass the check for their own model', () => {
    for (const [a, kind] of [
      [lora, 'lora'],
      [prefix, 'prefix'],
    ] as const) {
      const back = readArAdapterFile(writeArAdapterFile(a.tensors, a.meta));
      expect(back.meta).toEqual(a.meta);
      expect(Object.keys(back.tensors).sort()).toEqual(Object.keys(a.tensors).sort());
      expect(checkArAdapter(model, back.tensors, back.meta)).toEqual({ kind });
    }
    expect(lora.meta).toMatchObject({ format: 'personalize-ar-adapter-v1', family: 'autoregressive', adapter: 'lora', model: 'tiny-ar-pack', rank: '2', alpha: '4', token: '<s1>' });
    expect(lora.meta.transformer).toMatch(/^[0-9a-f]{64}$/);
  });

  it('refuses an adapter of another AR pack, naming it, when checked and when sampled with', async () => {
    expect(() => checkArAdapter(model, deeper.tensors, deeper.meta)).toThrow(/this LoRA was made for the AR model "tiny-ar-deep", not "tiny-ar-pack"/);
    await expect(model.sample({ prompts: ['a S* cat'], seed: 1, adapters: { loras: [{ ...deeper, scale: 1 }] } })).rejects.toThrow(/made for the AR model "tiny-ar-deep"/);
    await expect(model.likelihood(concept, ['a S* cat'], { loras: [{ tensors: lora.tensors, scale: 1 }] })).rejects.toThrow(/comes without its metadata/);
    // Same name, other weights.
    expect(() => checkArAdapter(model, lora.tensors, { ...lora.meta, transformer: 'f'.repeat(64) })).toThrow(/made for another version of "tiny-ar-pack"'s transformer/);
    // Metadata that agrees, tensors that do not: another depth, another width.
    expect(() => checkArAdapter(model, deeper.tensors, { ...deeper.meta, model: 'tiny-ar-pack', transformer: '' })).toThrow(
      /LoRA layer "ar\.blocks\.2\.attn\.to_q" is not an attention projection of this transformer \(2 layers\): the LoRA was made for another model/,
    );
    const wide = Object.fromEntries(Object.entries(lora.tensors).map(([k, t]) => [k, f32(k.endsWith('lora_A.weight') ? [2, 32] : [32, 2])]));
    expect(() => checkArAdapter(model, wide, lora.meta)).toThrow(/has A \[2,32\] and B \[32,2\], but this transformer needs \[2, 16\] and \[16, 2\]/);
    expect(() => checkArAdapter(model, prefix.tensors, { ...prefix.meta, length: '3' })).toThrow(/says 3 tokens per layer but holds 2/);
  });

  it('refuses files of other families and files without metadata, naming what they are', () => {
    const diffusion = { format: 'personalize-lora-v1', pack: 'emoji-diffusion', unet: 'ab'.repeat(32), rank: '4', alpha: '4' };
    expect(() => checkArAdapter(model, lora.tensors, diffusion)).toThrow(/this adapter was made for the diffusion model "emoji-diffusion", not for the AR model "tiny-ar-pack"/);
    const gan = { format: 'personalize-lora-v1', family: 'gan', pack: 'emoji-gan', generator: 'emoji-gan', rank: '4', alpha: '4' };
    expect(() => checkArAdapter(model, lora.tensors, gan)).toThrow(/made for the GAN "emoji-gan"/);
    expect(() => checkArAdapter(model, lora.tensors, undefined)).toThrow(/the file has no metadata/);
    expect(() => readArAdapterFile(writeSafetensors(lora.tensors, diffusion))).toThrow(/this file is not an AR adapter: it was made for the diffusion model "emoji-diffusion"/);
    expect(() => readArAdapterFile(writeSafetensors(lora.tensors))).toThrow(/no metadata/);
  });
});
