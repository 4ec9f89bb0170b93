import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseGraphJson, type GraphDoc, type NodeInfo } from '../../runtime/index.ts';
import type { NodeCatalog } from '../catalog/node-catalog.ts';
import { doc, testCatalog } from '../document/testing.ts';
import { readMethod } from './read-method.ts';

// Node types that arrive later, described as the registry will describe them.
const later = (type: string, framework: NodeInfo['framework'], defaults: Record<string, unknown> = {}): NodeInfo => ({
  type, version: 1, title: type, category: 'inversion', framework, inputs: {}, outputs: {}, params: {}, defaults,
  flags: { deterministic: true, expensive: true, output: false, usesDocument: false },
});
const withLater = (extra: NodeInfo[]): NodeCatalog => {
  const all = [...testCatalog.list, ...extra];
  return { get: (t) => all.find((n) => n.type === t), infoFor: (n) => all.find((i) => i.type === n.type), list: all, categories: [] };
};
const example = (id: string): GraphDoc => {
  const r = parseGraphJson(JSON.parse(readFileSync(new URL(`../../graphs/${id}.json`, import.meta.url), 'utf8')));
  if (!r.ok) throw new Error(`${id}: ${r.errors[0].message}`);
  return r.doc;
};

describe('reading the method a graph implements', () => {
  it('reads the real inversion nodes by their params', () => {
    const has = (t: string) => testCatalog.get(t) !== undefined;
    if (!has('latent-optimizer') || !has('encoder-inversion') || !has('lora-trainer')) return; // before the model nodes land
    const name = (spec: Parameters<typeof doc>[0]) => readMethod(doc(spec), testCatalog).name;
    expect(name([['o', 'latent-optimizer', { space: 'text-embedding' }]])).toBe('Textual Inversion');
    expect(name([['o', 'latent-optimizer', { space: 'latent' }]])).toBe('Optimization-based latent inversion');
    expect(name([['e', 'encoder-inversion', { mode: 'ddim' }]])).toBe('DDIM inversion');
    expect(readMethod(doc([['e', 'encoder-inversion', { mode: 'autoencoder' }]]), testCatalog).choices).toMatchObject({ space: ['latent'], method: ['learned encoder'] });
    expect(name([['l', 'lora-trainer']])).toMatch(/LoRA/);
  });

  it('says when no node inverts anything yet, and still places the nodes that make a choice', () => {
    const r = readMethod(doc([['n', 'seed-noise'], ['s', 'sampler'], ['p', 'preview']]), testCatalog);
    expect(r.name).toBe('Not a personalization method yet');
    expect(r.placements.map((p) => [p.nodeId, p.space, p.scheme])).toEqual([['n', 'noise', undefined], ['s', undefined, 'generation']]);
  });

  it('takes the inversion space from the inverting nodes only (a Decoder stores nothing)', () => {
    const r = readMethod(example('textual-inversion'), testCatalog);
    expect(r.name).toBe('Textual Inversion');
    expect(r.choices).toMatchObject({ space: ['text-embedding'], method: ['optimization'] });
    // The Model Loader and Metrics make no choice, so they are not listed as if they did.
    expect(r.placements.every((p) => p.space || p.method || p.scheme)).toBe(true);
  });

  it('gives a plain text-to-image graph no inversion space', () => {
    const r = readMethod(
      doc([['m', 'model-loader'], ['t', 'text-prompt', { text: 'a cat' }], ['s', 'sampler'], ['d', 'decoder']], [['m', 'model', 's', 'model'], ['t', 'prompt', 's', 'prompt'], ['m', 'model', 'd', 'model'], ['s', 'latent', 'd', 'latent']]),
      testCatalog,
    );
    expect(r.name).toBe('Not a personalization method yet');
    expect(r.choices.space).toEqual([]);
  });

  it('names a graph whose branches invert three ways a comparison of the three', () => {
    const r = readMethod(example('decoder-inversion'), testCatalog);
    expect(r.name).toBe('A comparison of 3 methods');
    expect(r.branches.map((b) => [b.name, b.nodeIds])).toEqual([
      ['Encoder-based latent inversion', ['encode']],
      ['Optimization-based latent inversion', ['optimize']],
      ['Hybrid latent inversion (encoder start, then optimization)', ['encode', 'hybrid']],
    ]);
    expect(r.choices).toMatchObject({ space: ['latent'], method: ['learned encoder', 'optimization', 'hybrid'] });
  });

  it('reads an encoder that only starts an optimizer as a hybrid, and one before DDIM inversion as its step', () => {
    expect(readMethod(example('hybrid-encoder-optimization'), testCatalog)).toMatchObject({ name: 'Hybrid personalization (E4T, BLIP-Diffusion)', choices: { space: ['text-embedding'], method: ['hybrid'] } });
    expect(readMethod(example('ddim-inversion-edit'), testCatalog)).toMatchObject({ name: 'DDIM inversion', choices: { space: ['noise'], method: ['training-free'], scheme: ['editing'] } });
    expect(readMethod(example('textual-inversion'), testCatalog).choices.scheme).toEqual(['generation']);
    expect(readMethod(example('concept-encoder'), testCatalog).name).toBe('Encoder-based personalization (ELITE, IP-Adapter)');
    expect(readMethod(example('dreambooth-lora'), testCatalog).name).toMatch(/LoRA/);
  });

  it('names Textual Inversion from an optimizer working in text-embedding space (a param)', () => {
    const cat = withLater([later('latent-optimizer', { method: 'optimization', family: 'any' }, { space: 'w' })]);
    const r = readMethod(doc([['o', 'latent-optimizer', { space: 'text-embedding' }], ['t', 'sampler']]), cat);
    expect(r.name).toBe('Textual Inversion');
    expect(r.choices).toMatchObject({ space: ['text-embedding'], method: ['optimization'], scheme: ['generation'] });
  });

  it('tells GAN inversion by optimization from an encoder, by the family of the model', () => {
    const cat = withLater([later('opt', { method: 'optimization', family: 'gan', space: 'w+' }), later('enc', { method: 'encoder', family: 'gan', space: 'w+' })]);
    expect(readMethod(doc([['o', 'opt']]), cat).name).toMatch(/Image2StyleGAN/);
    expect(readMethod(doc([['e', 'enc']]), cat).name).toMatch(/pSp, e4e/);
  });

  it('names LoRA tuning, and calls an unknown combination by its choices', () => {
    const cat = withLater([later('lora-trainer', { method: 'optimization', space: 'lora' }), later('odd', { method: 'annealing', space: 'pixels' })]);
    expect(readMethod(doc([['l', 'lora-trainer']]), cat).name).toMatch(/LoRA/);
    expect(readMethod(doc([['x', 'odd']]), cat).summary).toMatch(/pixels by annealing/);
  });
});

describe('reading the GAN examples', () => {
  it('takes the family from the loaded pack and names each GAN method', () => {
    const read = (id: string) => readMethod(example(id), testCatalog);
    expect(read('gan-wplus-optimization')).toMatchObject({ name: 'Image2StyleGAN (optimization-based GAN inversion)', choices: { family: ['gan'], space: ['w+'], method: ['optimization'] } });
    expect(read('gan-encoder-inversion')).toMatchObject({ name: 'Encoder-based GAN inversion (pSp, e4e, ReStyle)', choices: { family: ['gan'], space: ['w+'] } });
    expect(read('gan-hybrid-inversion').branches.map((b) => b.name)).toContain('Hybrid GAN inversion (encoder start, then optimization)');
    expect(read('gan-pivotal-tuning-edit').branches.map((b) => b.name)).toContain('Pivotal Tuning Inversion (PTI)');
    expect(read('gan-latent-editing').choices.scheme).toEqual(['latent editing']);
    expect(read('gan-sampling')).toMatchObject({ name: 'Not a personalization method yet', choices: { family: ['gan'] } });
    // The same nodes on the diffusion pack read as the diffusion family's methods.
    expect(read('dreambooth-lora').choices.family).toEqual(['diffusion']);
  });
});

describe('reading the autoregressive methods', () => {
  const ar = ['m', 'model-loader', { pack: 'models/emoji-ar' }] as const;
  const read = (nodes: Parameters<typeof doc>[0], edges: Parameters<typeof doc>[1] = []) => readMethod(doc([[...ar], ...nodes], [...edges]), testCatalog);

  it('names tokenizer inversion, AR Textual Inversion and AR LoRA by the family of the loaded pack', () => {
    expect(read([['e', 'encoder-inversion', { mode: 'tokenizer' }]], [['m', 'model', 'e', 'model']])).toMatchObject({ name: 'Tokenizer inversion', choices: { family: ['autoregressive'], space: ['tokens'], method: ['tokenizer'] } });
    expect(read([['o', 'latent-optimizer', { space: 'text-embedding' }]]).name).toBe('Textual Inversion for an autoregressive model');
    expect(read([['l', 'lora-trainer']])).toMatchObject({ name: 'LoRA tuning of an autoregressive transformer', choices: { space: ['weights (LoRA)'], method: ['optimization'] } });
    // The same optimizer on the diffusion pack is the diffusion family's Textual Inversion.
    expect(readMethod(doc([['m', 'model-loader'], ['o', 'latent-optimizer', { space: 'text-embedding' }]]), testCatalog).name).toBe('Textual Inversion');
  });

  it('reads an embedding wired into the LoRA Trainer as the two-stage method, its Textual Inversion a step of it', () => {
    const r = read([['o', 'latent-optimizer', { space: 'text-embedding' }], ['l', 'lora-trainer']], [['o', 'embedding', 'l', 'embedding']]);
    expect(r.name).toBe('Two-stage tuning (Textual Inversion, then LoRA)');
    expect(r.branches.map((b) => b.nodeIds)).toEqual([['l']]);
    expect(r.choices.method).toEqual(['two-stage']);
  });

  it('reads the prefix adapter as prefix tuning, and a grid wired into the AR Sampler as editing', () => {
    expect(read([['l', 'lora-trainer', { adapter: 'prefix' }]])).toMatchObject({ name: 'Prefix tuning (CoAR)', choices: { space: ['prefix tokens'] } });
    const gen = read([['s', 'ar-sampler']]);
    expect(gen.choices.scheme).toEqual(['generation']);
    const edit = read([['e', 'encoder-inversion', { mode: 'tokenizer' }], ['s', 'ar-sampler']], [['e', 'latent', 's', 'tokens']]);
    expect(edit.choices.scheme).toEqual(['editing']);
  });
});
