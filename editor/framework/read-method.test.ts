import { describe, expect, it } from 'vitest';
import type { NodeInfo } from '../../runtime/index.ts';
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
  return { get: (t) => all.find((n) => n.type === t), list: all, categories: [] };
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
    const r = readMethod(doc([['n', 'seed-noise'], ['t', 'text-prompt'], ['p', 'preview']]), testCatalog);
    expect(r.name).toBe('Not a personalization method yet');
    expect(r.placements.map((p) => [p.nodeId, p.space, p.scheme])).toEqual([['n', 'noise', undefined], ['t', undefined, 'generation']]);
  });

  it('names Textual Inversion from an optimizer working in text-embedding space (a param)', () => {
    const cat = withLater([later('latent-optimizer', { method: 'optimization', family: 'any' }, { space: 'w' })]);
    const r = readMethod(doc([['o', 'latent-optimizer', { space: 'text-embedding' }], ['t', 'text-prompt']]), cat);
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
