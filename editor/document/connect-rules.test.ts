import { describe, expect, it } from 'vitest';
import { checkConnection, portsAccepting } from './connect-rules.ts';
import { doc, testCatalog } from './testing.ts';

const g = doc(
  [['noise', 'seed-noise'], ['text', 'text-prompt'], ['blend', 'blend'], ['resize', 'resize-crop'], ['preview', 'preview']],
  [['noise', 'image', 'blend', 'a'], ['blend', 'image', 'resize', 'image']],
);
const check = (source: string, sourceHandle: string, target: string, targetHandle: string) =>
  checkConnection(g, testCatalog, { source, sourceHandle, target, targetHandle });

describe('checkConnection', () => {
  it('accepts a wire whose kinds match', () => {
    expect(check('noise', 'image', 'blend', 'b')).toEqual({ ok: true, replaces: [] });
  });

  it('refuses a wire of the wrong kind and says which kinds meet', () => {
    const r = check('text', 'prompt', 'blend', 'b');
    expect(r).toEqual({ ok: false, reason: 'Blend · b takes image, but Text Prompt · prompt gives prompt' });
  });

  it('replaces the wire of a single input that is taken, but stacks on a list input', () => {
    expect(check('resize', 'image', 'blend', 'a')).toMatchObject({ ok: false, reason: expect.stringMatching(/loop: blend → resize → blend/) });
    expect(check('noise', 'image', 'resize', 'image')).toEqual({ ok: true, replaces: ['blend.image->resize.image'] });
    const withPreview = doc([['a', 'seed-noise'], ['b', 'seed-noise'], ['p', 'preview']], [['a', 'image', 'p', 'images']]);
    expect(checkConnection(withPreview, testCatalog, { source: 'b', sourceHandle: 'image', target: 'p', targetHandle: 'images' })).toEqual({ ok: true, replaces: [] });
  });

  it('refuses self-wires, duplicates and unknown ports', () => {
    expect(check('blend', 'image', 'blend', 'b')).toMatchObject({ ok: false, reason: 'a node cannot feed itself' });
    expect(check('noise', 'image', 'blend', 'a')).toMatchObject({ ok: false, reason: 'these ports are already wired' });
    expect(check('noise', 'nope', 'blend', 'b')).toMatchObject({ ok: false, reason: 'Seed / Noise has no output "nope"' });
  });
});

describe('portsAccepting', () => {
  it('finds node types with a port that takes the kind', () => {
    const takesImage = portsAccepting(testCatalog, 'image', 'input');
    expect(takesImage.get('blend')).toBe('a');
    expect(takesImage.get('preview')).toBe('images');
    expect(takesImage.has('text-prompt')).toBe(false);
    expect(portsAccepting(testCatalog, 'prompt', 'output').get('text-prompt')).toBe('prompt');
  });
});

describe('wires to an ONNX Model node with its file\'s ports', () => {
  const ports = {
    inputs: [{ name: 'z', dtype: 'float32', shape: [1, 8] }, { name: 'photo', dtype: 'float32', shape: [1, 3, 16, 16] }],
    outputs: [{ name: 'picture', dtype: 'float32', shape: [1, 3, 16, 16] }, { name: 'logits', dtype: 'float32', shape: [1, 10] }],
  };
  const m = doc([['noise', 'seed-noise'], ['onnx', 'onnx-model', { source: 'm.onnx', ports }], ['preview', 'preview']]);
  const wire = (source: string, sourceHandle: string, target: string, targetHandle: string) => checkConnection(m, testCatalog, { source, sourceHandle, target, targetHandle });

  it('takes wires by the model\'s own port names and kinds, not the fixed ports of old graphs', () => {
    expect(wire('noise', 'latent', 'onnx', 'z')).toEqual({ ok: true, replaces: [] });
    expect(wire('noise', 'image', 'onnx', 'photo')).toEqual({ ok: true, replaces: [] });
    expect(wire('onnx', 'picture', 'preview', 'images')).toEqual({ ok: true, replaces: [] });
    expect(wire('noise', 'image', 'onnx', 'z')).toEqual({ ok: false, reason: 'ONNX Model · z takes latent, but Seed / Noise · image gives image' });
    expect(wire('onnx', 'logits', 'preview', 'images')).toMatchObject({ ok: false, reason: expect.stringMatching(/logits gives latent/) });
    expect(wire('noise', 'latent', 'onnx', 'input')).toEqual({ ok: false, reason: 'ONNX Model has no input "input"' });
    // A node with no recorded ports keeps them.
    expect(checkConnection(doc([['noise', 'seed-noise'], ['onnx', 'onnx-model', { source: 'm.onnx' }]]), testCatalog, { source: 'noise', sourceHandle: 'latent', target: 'onnx', targetHandle: 'input' })).toEqual({ ok: true, replaces: [] });
  });
});
