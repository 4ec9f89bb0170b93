import { describe, expect, it } from 'vitest';
import { registry } from '../nodes/registry.ts';
import { catalog } from './catalog.ts';

describe('catalog', () => {
  it('describes every node as plain JSON: ports, param schema with ranges, defaults, flags', () => {
    const info = catalog(registry);
    expect(info.map((n) => n.type)).toEqual([
      'image-loader',
      'resize-crop',
      'blend',
      'seed-noise',
      'text-prompt',
      'preview',
      'save-image',
      'model-loader',
      'onnx-model',
      'encoder-inversion',
      'concept-encoder',
      'latent-optimizer',
      'lora-trainer',
      'latent-edit',
      'sampler',
      'ar-sampler',
      'decoder',
      'metrics',
      'likelihood',
    ]);
    const blend = info.find((n) => n.type === 'blend')!;
    expect(blend.inputs).toEqual({ a: { kind: 'image', list: false, optional: false }, b: { kind: 'image', list: false, optional: false } });
    expect(blend.defaults).toEqual({ alpha: 0.5, mode: 'mix' });
    expect(blend.params).toMatchObject({ properties: { alpha: { minimum: 0, maximum: 1, default: 0.5 } } });
    expect(info.find((n) => n.type === 'preview')!.inputs.images.list).toBe(true);
    expect(info.find((n) => n.type === 'save-image')!.flags).toMatchObject({ output: true, usesDocument: true });
    // Loader defaults leave out the sources the user must pick.
    expect(info.find((n) => n.type === 'image-loader')!.defaults).toEqual({ width: 256, height: 256, fit: 'cover' });
    expect(JSON.parse(JSON.stringify(info))).toEqual(info);
  });
});
