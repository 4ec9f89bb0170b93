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
