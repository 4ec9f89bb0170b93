// The editor's PNG export and the Save Image node must agree on the format both ways.
import { describe, expect, it } from 'vitest';
import { encodePng, graphFromPng } from '../../nodes/index.ts';
import { doc } from '../document/testing.ts';
import { graphInPng, isPng, pngWithGraph } from './png-graph.ts';

const img = { width: 2, height: 1, data: new Uint8Array([255, 0, 0, 255, 0, 0, 255, 255]) };
const g = { ...doc([['a', 'text-prompt', { text: '猫 🐱' }]]), title: 'Grüße' };

describe('PNG with the graph embedded', () => {
  it('round-trips through the editor and reads as the Save Image node writes it', () => {
    const bytes = pngWithGraph(img, g);
    expect(isPng(bytes)).toBe(true);
    expect(graphInPng(bytes)).toEqual({ ok: true, doc: g });
    expect(graphFromPng(bytes)).toEqual({ ok: true, doc: g });
    expect(graphInPng(encodePng(img, g))).toEqual({ ok: true, doc: g });
  });

  it('tells a plain picture from a graph, and a broken file from both', () => {
    expect(graphInPng(encodePng(img))).toBeUndefined();
    expect(graphInPng(new Uint8Array([0x89, 0x50, 0x4e, 0x47, 1, 2, 3, 4, 5]))).toMatchObject({ ok: false });
  });
});
