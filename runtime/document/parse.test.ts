import { describe, expect, it } from 'vitest';
import { parseGraphJson, parseGraphText } from './parse.ts';

describe('parseGraphText', () => {
  it('rejects text that is not JSON', () => {
    const r = parseGraphText('{"version": 2, nodes: []}');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors[0].code).toBe('not-json');
  });

  it('rejects a huge file before parsing it', () => {
    const big = JSON.stringify({ version: 2, nodes: [], edges: [], pad: 'x'.repeat(2000) });
    const r = parseGraphText(big, 1000);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors[0]).toMatchObject({ code: 'too-large' });
  });

  it.each([0, 3, 2.5, '2', undefined])('rejects schema version %s', (version) => {
    const r = parseGraphJson({ version, nodes: [], edges: [] });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors[0]).toMatchObject({ code: 'unknown-version', field: 'version' });
  });

  it('migrates a version 1 document (params in data) and keeps extra fields', () => {
    const r = parseGraphJson({
      version: 1,
      title: 'old',
      nodes: [{ id: 'a', type: 'text-prompt', data: { params: { text: 'hi' }, label: 'A' }, position: { x: 1, y: 2 } }],
      edges: [],
    });
    expect(r.ok).toBe(true);
    if (r.ok) {
      expect(r.migratedFrom).toBe(1);
      expect(r.doc.version).toBe(2);
      expect(r.doc.nodes[0]).toMatchObject({ id: 'a', params: { text: 'hi' }, data: { label: 'A' } });
      expect(r.doc.title).toBe('old');
    }
  });

  it('names the node and field of a malformed node', () => {
    const r = parseGraphJson({ version: 2, nodes: [{ id: 'a', type: 'x' }, { id: 'b', type: 7 }], edges: [{ id: 'e', source: 'a' }] });
    expect(r.ok).toBe(false);
    if (!r.ok)
      expect(r.errors.map((e) => [e.code, e.nodeId ?? e.edgeId, e.field])).toEqual([
        ['bad-shape', 'b', 'type'],
        ['bad-shape', 'e', 'sourceHandle'],
        ['bad-shape', 'e', 'target'],
        ['bad-shape', 'e', 'targetHandle'],
      ]);
  });

  it('refuses params that are not JSON values (a document holds no code)', () => {
    const r = parseGraphJson({ version: 2, nodes: [{ id: 'a', type: 'x', params: { f: () => 1 } }], edges: [] });
    expect(r.ok).toBe(false);
  });

  it('never throws on random input', () => {
    const samples = ['', 'null', '[]', '1', '{"version":1,"nodes":7}', '{"version":1,"nodes":[null,1,"x"]}', '{"version":2,"nodes":[{}],"edges":[[]]}'];
    for (let i = 0; i < 200; i++) samples.push(JSON.stringify({ version: (i % 4) as number, nodes: i % 3 ? [{ id: String(i), data: i }] : i, edges: [] }));
    for (const s of samples) expect(() => parseGraphText(s)).not.toThrow();
  });
});
