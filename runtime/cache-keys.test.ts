import { describe, expect, it } from 'vitest';
import { registry } from '../nodes/registry.ts';
import { cacheKeys } from './cache-keys.ts';
import type { GraphDoc } from './document/schema.ts';
import { indexGraph } from './graph.ts';
import { stableHash, stableStringify } from './hash.ts';
import { createRegistry } from './registry.ts';
import { defineNode } from './define-node.ts';
import { port } from './ports.ts';
import { z } from 'zod';

const base = (): GraphDoc => ({
  version: 2,
  nodes: [
    { id: 'n1', type: 'seed-noise', params: { seed: 1 }, position: { x: 0, y: 0 } },
    { id: 'n2', type: 'seed-noise', params: { seed: 2 }, position: { x: 0, y: 0 } },
    { id: 'b', type: 'blend', params: {}, position: { x: 0, y: 0 } },
    { id: 'r', type: 'resize-crop', params: { width: 32, height: 32 }, position: { x: 0, y: 0 } },
    { id: 's', type: 'save-image', params: {}, position: { x: 0, y: 0 } },
  ],
  edges: [
    { id: 'e1', source: 'n1', sourceHandle: 'image', target: 'b', targetHandle: 'a' },
    { id: 'e2', source: 'n2', sourceHandle: 'image', target: 'b', targetHandle: 'b' },
    { id: 'e3', source: 'n2', sourceHandle: 'image', target: 'r', targetHandle: 'image' },
    { id: 'e4', source: 'b', sourceHandle: 'image', target: 's', targetHandle: 'images' },
  ],
});
const keysOf = (d: GraphDoc, reg = registry) => cacheKeys(d, indexGraph(d), reg);
const changed = (a: GraphDoc, b: GraphDoc) => {
  const ka = keysOf(a);
  const kb = keysOf(b);
  return [...ka.keys()].filter((id) => ka.get(id) !== kb.get(id)).sort();
};

describe('stable hashing', () => {
  it('ignores object key order', () => {
    expect(stableStringify({ b: 1, a: [{ y: 2, x: 1 }] })).toBe('{"a":[{"x":1,"y":2}],"b":1}');
    expect(stableHash({ a: 1, b: 2 })).toBe(stableHash({ b: 2, a: 1 }));
    expect(stableHash({ a: 1 })).not.toBe(stableHash({ a: 2 }));
  });
});

describe('cacheKeys', () => {
  it('a param change changes exactly that node and its descendants', () => {
    const d = base();
    d.nodes[0].params = { seed: 9 };
    expect(changed(base(), d)).toEqual(['b', 'n1', 's']);
  });

  it('renaming nodes keeps every key except the document-embedding saver', () => {
    const d = base();
    const rename = (id: string) => `x-${id}`;
    d.nodes = d.nodes.map((n) => ({ ...n, id: rename(n.id) }));
    d.edges = d.edges.map((e) => ({ ...e, source: rename(e.source), target: rename(e.target) }));
    const ka = keysOf(base());
    const kb = keysOf(d);
    for (const id of ['n1', 'n2', 'b', 'r']) expect(kb.get(rename(id))).toBe(ka.get(id));
    expect(kb.get('x-s')).not.toBe(ka.get('s'));
  });

  it('writing a default param explicitly changes no computed key', () => {
    const d = base();
    d.nodes[2].params = { alpha: 0.5, mode: 'mix' };
    // Only the saver, whose output embeds the document text itself.
    expect(changed(base(), d)).toEqual(['s']);
  });

  it('rewiring changes the consumer and what follows it', () => {
    const d = base();
    d.edges[0] = { ...d.edges[0], source: 'n2' };
    d.edges[1] = { ...d.edges[1], source: 'n1' };
    expect(changed(base(), d)).toEqual(['b', 's']);
  });

  it('moving a node only re-keys the node that embeds the document', () => {
    const d = base();
    d.nodes[3].position = { x: 100, y: 5 };
    expect(changed(base(), d)).toEqual(['s']);
  });

  it('a non-deterministic node and everything below it never get a key', () => {
    const dice = defineNode({
      type: 'dice',
      version: 1,
      title: 'Dice',
      category: 'test',
      inputs: {},
      outputs: { v: port.scalar() },
      params: z.object({}),
      flags: { deterministic: false },
      run: async () => ({ v: { kind: 'scalar', value: Math.random() } }),
    });
    const reg = createRegistry([...registry.list(), dice]);
    const d = base();
    d.nodes[0].type = 'dice';
    const keys = keysOf(d, reg);
    expect([...keys].filter(([, k]) => k === null).map(([id]) => id).sort()).toEqual(['b', 'n1', 's']);
  });
});
