// LoRA files: they round-trip with their metadata, fold into the weights as W + (α/r)·B·A, and are
// refused — with the reason — by a model they were not made for.
import { describe, expect, it } from 'vitest';
import { f32 } from '../../ml/index.ts';
import type { LoadedPack } from '../pack/load.ts';
import { checkLoraFits, LORA_FORMAT, mergeLoras, parseLoraMeta, readLoraFile, writeLoraFile } from './lora-file.ts';
import { PackModel } from './model.ts';

const unet = { 'unet.l.weight': f32([2, 3], [1, 0, 0, 0, 1, 0]) };
const pack = (name: string, sha = 'a'.repeat(64)) =>
  new PackModel({ manifest: { name, tokenizer: { kind: 'word-v1', vocab: ['<pad>', '<bos>', '<eos>', '<unk>'], maxLength: 4, placeholders: [] }, components: { unet: { sha256: sha } } }, weights: { unet } } as unknown as LoadedPack, {
    name: 'none',
    create: async () => {
      throw new Error('no sessions here');
    },
  });
const lora = { 'unet.l.lora_A.weight': f32([1, 3], [1, 2, 3]), 'unet.l.lora_B.weight': f32([2, 1], [1, -1]) };
const meta = { format: LORA_FORMAT, pack: 'p', unet: 'a'.repeat(64), rank: '1', alpha: '2', token: '<s1>' };

describe('LoRA files', () => {
  it('round-trip with metadata and merge as W + (α/r)·B·A', () => {
    const back = readLoraFile(writeLoraFile(lora, meta));
    expect(back.meta).toEqual(meta);
    const merged = mergeLoras(unet, [{ tensors: back.tensors, meta: parseLoraMeta(back.meta), scale: 0.5 }]);
    // scale·α/r = 1: row 0 gains +[1, 2, 3], row 1 gains −[1, 2, 3].
    expect(Array.from(merged['unet.l.weight'].data as Float32Array)).toEqual([2, 2, 3, -1, -1, -3]);
  });

  it('refuses a LoRA made for another model, saying why', () => {
    expect(checkLoraFits(pack('p'), lora, meta).rank).toBe(1);
    expect(() => checkLoraFits(pack('q'), lora, meta)).toThrow(/made for the model "p", not "q"/);
    expect(() => checkLoraFits(pack('p', 'b'.repeat(64)), lora, meta)).toThrow(/another version/);
    expect(() => checkLoraFits(pack('p'), { 'unet.x.lora_A.weight': lora['unet.l.lora_A.weight'], 'unet.x.lora_B.weight': lora['unet.l.lora_B.weight'] }, meta)).toThrow(/not a layer of this denoiser/);
    expect(() => checkLoraFits(pack('p'), { ...lora, 'unet.l.lora_B.weight': f32([3, 1]) }, meta)).toThrow(/do not fit/);
    expect(() => checkLoraFits(pack('p'), lora, { ...meta, format: 'other' })).toThrow(/not a LoRA file of this app/);
  });
});
