import { produce } from 'immer';
import { describe, expect, it } from 'vitest';
import { moveNodes } from '../document/edits.ts';
import { doc, testCatalog } from '../document/testing.ts';
import { noSelection } from '../ui/ui-store.ts';
import { createFlowMapper } from './flow-mapping.ts';

describe('document to React Flow', () => {
  const g = doc([['a', 'seed-noise'], ['b', 'blend'], ['t', 'text-prompt']], [['a', 'image', 'b', 'a']]);

  it('reuses the objects of nodes an edit did not touch', () => {
    const map = createFlowMapper(testCatalog);
    const before = map(g, noSelection, new Map());
    const after = map(produce(g, moveNodes({ b: { x: 5, y: 5 } })), noSelection, new Map());
    expect(after.nodes[0]).toBe(before.nodes[0]);
    expect(after.nodes[1]).not.toBe(before.nodes[1]);
    expect(after.nodes[1].position).toEqual({ x: 5, y: 5 });
    expect(after.edges[0]).toBe(before.edges[0]);
  });

  it('colours a wire by the kind it carries and draws groups first', () => {
    const map = createFlowMapper(testCatalog);
    const withGroup = { ...g, groups: [{ id: 'g1', title: 'G', x: 0, y: 0, width: 10, height: 10 }] };
    const { nodes, edges } = map(withGroup, { ...noSelection, nodes: ['b'] }, new Map());
    expect(nodes.map((n) => [n.id, n.type, n.selected])).toEqual([['g1', 'frame', false], ['a', 'workbench', false], ['b', 'workbench', true], ['t', 'workbench', false]]);
    expect(edges[0].style).toMatchObject({ stroke: '#60a5fa' });
  });
});
