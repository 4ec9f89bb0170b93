import { describe, expect, it } from 'vitest';
import { registry } from '../nodes/registry.ts';
import type { GraphDoc } from './document/schema.ts';
import { validateGraph } from './validate.ts';

type N = [id: string, type: string, params?: Record<string, unknown>];
type E = [source: string, sourceHandle: string, target: string, targetHandle: string];
const doc = (nodes: N[], edges: E[]): GraphDoc => ({
  version: 2,
  nodes: nodes.map(([id, type, params = {}]) => ({ id, type, params: params as GraphDoc['nodes'][0]['params'], position: { x: 0, y: 0 } })),
  edges: edges.map(([source, sourceHandle, target, targetHandle], i) => ({ id: `e${i}`, source, sourceHandle, target, targetHandle })),
});
const codes = (d: GraphDoc) => validateGraph(d, registry).map((e) => [e.code, e.nodeId, e.field]);

describe('validateGraph', () => {
  it('accepts a well-formed graph', () => {
    const d = doc(
      [['n', 'seed-noise'], ['m', 'seed-noise', { seed: 2 }], ['b', 'blend'], ['p', 'preview']],
      [['n', 'image', 'b', 'a'], ['m', 'image', 'b', 'b'], ['b', 'image', 'p', 'images'], ['n', 'image', 'p', 'images']],
    );
    expect(validateGraph(d, registry)).toEqual([]);
  });

  it('names an unknown node type', () => {
    expect(codes(doc([['x', 'no-such-node']], []))).toEqual([['unknown-node-type', 'x', 'type']]);
  });

  it('names unknown ports on both ends', () => {
    const d = doc([['n', 'seed-noise'], ['p', 'preview']], [['n', 'pixels', 'p', 'images'], ['n', 'image', 'p', 'imgs']]);
    expect(codes(d)).toEqual([
      ['unknown-port', 'n', 'outputs.pixels'],
      ['unknown-port', 'p', 'inputs.imgs'],
      ['missing-input', 'p', 'inputs.images'],
    ]);
  });

  it('refuses a wire between ports of different kinds', () => {
    const d = doc([['n', 'seed-noise'], ['p', 'preview']], [['n', 'latent', 'p', 'images']]);
    const [mismatch] = validateGraph(d, registry);
    expect(mismatch).toMatchObject({ code: 'port-type-mismatch', nodeId: 'p', field: 'inputs.images', edgeId: 'e0' });
    expect(mismatch.message).toContain('takes image');
    expect(mismatch.message).toContain('gives latent');
  });

  it('refuses a second wire into a single input but not into a list input', () => {
    const d = doc(
      [['n', 'seed-noise'], ['m', 'seed-noise'], ['r', 'resize-crop'], ['p', 'preview']],
      [['n', 'image', 'r', 'image'], ['m', 'image', 'r', 'image'], ['n', 'image', 'p', 'images'], ['m', 'image', 'p', 'images']],
    );
    expect(codes(d)).toEqual([['input-taken', 'r', 'inputs.image']]);
  });

  it('reports each node on a cycle with the loop', () => {
    const d = doc([['a', 'resize-crop'], ['b', 'resize-crop'], ['c', 'blend'], ['n', 'seed-noise']], [
      ['a', 'image', 'b', 'image'],
      ['b', 'image', 'c', 'a'],
      ['n', 'image', 'c', 'b'],
      ['c', 'image', 'a', 'image'],
    ]);
    const errors = validateGraph(d, registry);
    expect(errors.map((e) => [e.code, e.nodeId])).toEqual([['cycle', 'a'], ['cycle', 'b'], ['cycle', 'c']]);
    expect(errors[0].message).toBe('cycle: a → b → c → a');
  });

  it('lists missing required inputs', () => {
    expect(codes(doc([['b', 'blend']], []))).toEqual([
      ['missing-input', 'b', 'inputs.a'],
      ['missing-input', 'b', 'inputs.b'],
    ]);
  });

  it('names each parameter out of range or of the wrong type', () => {
    const d = doc([['n', 'seed-noise', { seed: -1, width: 'wide' }], ['b', 'blend', { alpha: 2 }], ['l', 'image-loader', {}]], []);
    const errs = codes(d).filter(([c]) => c === 'param-invalid');
    expect(errs).toEqual([
      ['param-invalid', 'n', 'params.seed'],
      ['param-invalid', 'n', 'params.width'],
      ['param-invalid', 'b', 'params.alpha'],
      ['param-invalid', 'l', 'params.sources'],
    ]);
  });

  it('names edges to missing nodes and duplicate ids', () => {
    const d = doc([['n', 'seed-noise'], ['n', 'seed-noise']], [['n', 'image', 'ghost', 'images']]);
    expect(validateGraph(d, registry).map((e) => [e.code, e.nodeId ?? e.edgeId, e.field])).toEqual([
      ['duplicate-id', 'n', 'id'],
      ['unknown-node', 'e0', 'target'],
    ]);
  });
});
