import { describe, expect, it } from 'vitest';
import { graph } from '../testing/fixtures.ts';
import type { NodeOutputs } from '../values.ts';
import { metricsOf, toCsv } from './csv.ts';
import { applyVariant, BatchError, expandVariants, isGlob, parseAxisSpec, parseValueList, type Axis } from './variants.ts';

const axis = (nodeId: string, param: string, values: unknown[]): Axis => ({ nodeId, param, values: values.map((value) => ({ value, label: String(value) })) });
const table = (vs: ReturnType<typeof expandVariants>) => vs.map((v) => v.assignments.map((a) => `${a.nodeId}.${a.param}=${a.label}`).join(' '));

describe('expandVariants', () => {
  it('zips --each axes and crosses them with every --grid combination', () => {
    const vs = expandVariants([axis('load', 'sources', ['cat', 'dog']), axis('prompt', 'text', ['a cat', 'a dog'])], [axis('opt', 'lr', [0.1, 0.01])]);
    expect(table(vs)).toEqual([
      'load.sources=cat prompt.text=a cat opt.lr=0.1',
      'load.sources=cat prompt.text=a cat opt.lr=0.01',
      'load.sources=dog prompt.text=a dog opt.lr=0.1',
      'load.sources=dog prompt.text=a dog opt.lr=0.01',
    ]);
    expect(vs.map((v) => v.index)).toEqual([0, 1, 2, 3]);
    expect(table(expandVariants([], [axis('a', 'x', [1, 2]), axis('b', 'y', [3, 4])]))).toEqual(['a.x=1 b.y=3', 'a.x=1 b.y=4', 'a.x=2 b.y=3', 'a.x=2 b.y=4']);
  });

  it('refuses uneven --each axes, a repeated axis and a batch past the limit, saying which', () => {
    expect(() => expandVariants([axis('a', 'x', [1, 2]), axis('b', 'y', [1])], [])).toThrow(/a.x has 2, b.y has 1/);
    expect(() => expandVariants([axis('a', 'x', [1])], [axis('a', 'x', [2])])).toThrow(/a.x is given twice/);
    const big = Array.from({ length: 101 }, (_, i) => i);
    expect(() => expandVariants([], [axis('a', 'x', big), axis('b', 'y', big)])).toThrow(BatchError);
  });
});

describe('batch values', () => {
  it('reads JSON arrays, comma lists and globs', () => {
    expect(parseValueList('[0.1, "a,b", [1]]').map((v) => v.value)).toEqual([0.1, 'a,b', [1]]);
    expect(parseValueList('1, true, cat').map((v) => v.value)).toEqual([1, true, 'cat']);
    expect(() => parseValueList('[1,')).toThrow(/not one/);
    expect(isGlob('concepts/*/')).toBe(true);
    expect(isGlob('[ab]*.png')).toBe(true);
    expect(isGlob('[1, 2]')).toBe(false);
    expect(parseAxisSpec('n.seed=1,2', '--grid')).toEqual({ nodeId: 'n', param: 'seed', values: '1,2' });
    expect(() => parseAxisSpec('seed=1', '--grid')).toThrow(/--grid expects/);
  });

  it('applies a variant to a copy of the graph and names a node that is not there', () => {
    const doc = graph([['n', 'seed-noise', { seed: 1 }]], []);
    const [v] = expandVariants([axis('n', 'seed', [5]), axis('ghost', 'x', [1])], []);
    const { doc: out, errors } = applyVariant(doc, v);
    expect(out.nodes[0].params.seed).toBe(5);
    expect(doc.nodes[0].params.seed).toBe(1);
    expect(errors).toMatchObject([{ nodeId: 'ghost', field: 'params.x' }]);
  });
});

describe('batch CSV', () => {
  it('has a column per parameter, then every metric and scalar, quoted where needed', () => {
    const metrics = metricsOf(
      new Map<string, NodeOutputs>([
        ['m', { scores: { kind: 'metrics', values: { clip: 0.5, dino: 0.25 } } }],
        ['s', { value: { kind: 'scalar', value: 3 } }],
      ]),
    );
    expect(metrics).toEqual({ 'm/clip': 0.5, 'm/dino': 0.25, 's/value': 3 });
    const csv = toCsv([{ graph: 1, status: 'done', 'p.text': 'a "cat", sitting', ...metrics }, { graph: 2, status: 'failed', 'p.text': 'x', error: 'm: boom' }], ['graph', 'status', 'p.text']);
    expect(csv).toBe('graph,status,p.text,m/clip,m/dino,s/value,error\n1,done,"a ""cat"", sitting",0.5,0.25,3,\n2,failed,x,,,,m: boom\n');
  });
});
