import { describe, expect, it } from 'vitest';
import { createDocStore } from './doc-store.ts';
import { addNode, moveNodes, setParam } from './edits.ts';
import { doc } from './testing.ts';

describe('document store', () => {
  it('undoes a drag as one step and a typed value as one step', () => {
    const s = createDocStore(doc([['a', 'blend']]));
    for (let x = 1; x <= 20; x++) s.getState().edit('move', moveNodes({ a: { x, y: x } }), 'drag-1');
    for (const v of [0.1, 0.12, 0.123]) s.getState().edit('alpha', setParam('a', 'alpha', v), 'param:a:alpha:1');
    expect(s.getState().history.past).toHaveLength(2);
    s.getState().undo();
    expect(s.getState().doc.nodes[0].params).toEqual({});
    expect(s.getState().doc.nodes[0].position).toEqual({ x: 20, y: 20 });
    s.getState().undo();
    expect(s.getState().doc.nodes[0].position).toEqual({ x: 0, y: 0 });
    s.getState().redo();
    s.getState().redo();
    expect(s.getState().doc.nodes[0]).toMatchObject({ position: { x: 20, y: 20 }, params: { alpha: 0.123 } });
  });

  it('replaces the whole document undoably, and ignores edits that change nothing', () => {
    const s = createDocStore(doc([['a', 'blend']]));
    s.getState().edit('noop', () => {});
    expect(s.getState().history.past).toHaveLength(0);
    s.getState().replace('open', doc([['x', 'preview'], ['y', 'preview']]));
    s.getState().edit('add', addNode({ id: 'z', type: 'preview', params: {}, position: { x: 0, y: 0 } }));
    expect(s.getState().doc.nodes).toHaveLength(3);
    s.getState().undo();
    s.getState().undo();
    expect(s.getState().doc.nodes.map((n) => n.id)).toEqual(['a']);
  });
});
