import { describe, expect, it } from 'vitest';
import { testCatalog } from '../document/testing.ts';
import { createNodeSearch } from './search.ts';

const search = createNodeSearch(testCatalog);
const titles = (q: string, f?: Parameters<typeof search>[1]) => search(q, f).map((h) => h.info.title);

describe('node search', () => {
  it('forgives typos and matches on title first', () => {
    expect(titles('blnd')[0]).toBe('Blend');
    expect(titles('prevew')[0]).toBe('Preview');
    expect(titles('text')[0]).toBe('Text Prompt');
  });

  it('matches whole words: "model" finds the model nodes, not Blend ("mode") or Metrics', () => {
    const hits = titles('model');
    expect(hits[0]).toBe('Model Loader');
    expect(hits).toContain('Decoder');
    expect(hits).not.toContain('Blend');
    expect(hits).not.toContain('Metrics');
    expect(titles('lora')[0]).toBe('LoRA Trainer');
    expect(titles('textual inversion')).toEqual(['Latent Optimizer']);
  });

  it('lists everything for an empty query, in registry order', () => {
    expect(titles('')).toEqual(testCatalog.list.map((n) => n.title));
  });

  it('keeps only nodes that take the dangling wire, naming the port', () => {
    // The registry grows; what must hold is that every hit takes the wire and none is missed.
    const hits = search('', { kind: 'image', side: 'input' });
    const takesImage = testCatalog.list.filter((n) => Object.values(n.inputs).some((p) => p.kind === 'image')).map((n) => n.type);
    expect(hits.map((h) => h.info.type)).toEqual(takesImage);
    expect(takesImage).toEqual(expect.arrayContaining(['resize-crop', 'blend', 'preview', 'save-image']));
    expect(takesImage).not.toContain('text-prompt');
    expect(hits.find((h) => h.info.type === 'save-image')?.port).toBe('images');
    expect(titles('', { kind: 'prompt', side: 'output' })).toContain('Text Prompt');
    expect(titles('', { kind: 'prompt', side: 'output' })).not.toContain('Blend');
  });
});
