import { describe, expect, it } from 'vitest';
import { copyFragment, parseFragment, pasteFragment } from './clipboard.ts';
import { doc } from './testing.ts';

describe('copy and paste', () => {
  const g = doc([['a', 'seed-noise'], ['b', 'blend'], ['c', 'preview']], [['a', 'image', 'b', 'a'], ['b', 'image', 'c', 'images']]);

  it('copies only the wires between copied nodes', () => {
    const f = copyFragment(g, ['a', 'b']);
    expect(f.nodes.map((n) => n.id)).toEqual(['a', 'b']);
    expect(f.edges.map((e) => e.id)).toEqual(['a.image->b.a']);
  });

  it('pastes with fresh ids, rewired copies and an offset', () => {
    const p = pasteFragment(g, copyFragment(g, ['a', 'b']), { x: 10, y: 20 });
    expect(p.nodes.map((n) => n.id)).toEqual(['seed-noise-1', 'blend-1']);
    expect(p.edges).toEqual([{ id: 'seed-noise-1.image->blend-1.a', source: 'seed-noise-1', sourceHandle: 'image', target: 'blend-1', targetHandle: 'a' }]);
    expect(p.nodes[1].position).toEqual({ x: 260, y: 20 });
  });

  it('reads back only well-formed fragments from clipboard text', () => {
    const f = copyFragment(g, ['a']);
    expect(parseFragment(JSON.stringify(f))?.nodes).toHaveLength(1);
    expect(parseFragment('hello')).toBeUndefined();
    expect(parseFragment(JSON.stringify({ kind: 'workbench-fragment', nodes: [{ id: 7 }], edges: [] }))).toBeUndefined();
  });
});
