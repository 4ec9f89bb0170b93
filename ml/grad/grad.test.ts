import { describe, expect, it } from 'vitest';
import { GraphBuilder } from '../builder.ts';
import { randn, Rng } from '../random.ts';
import { nodeBackend } from '../session/node.ts';
import { checkGradients, describeFailures } from './check.ts';
import { grad, UnsupportedOpsError } from './grad.ts';
import { NON_DIFFERENTIABLE, REQUIRED_DIFFERENTIABLE, RULES } from './rules.ts';
import { findOp } from '../ops/registry.ts';

describe('rule table', () => {
  it('has a gradient rule and an operator definition for every promised operator', () => {
    const missing = REQUIRED_DIFFERENTIABLE.filter((op) => !RULES[op] || !findOp(op));
    expect(missing).toEqual([]);
  });

  it('never lists an operator as both differentiable and not', () => {
    expect(Object.keys(RULES).filter((op) => NON_DIFFERENTIABLE.has(op))).toEqual([]);
  });
});

describe('grad walk', () => {
  it('differentiates a small expression with shared subterms', async () => {
    const b = new GraphBuilder('expr');
    const x = b.input('x', 'float32', [3, 4]);
    const y = b.input('y', 'float32', [3, 4]);
    const xy = b.op1('Mul', [x, y]);
    const z = b.op1('Div', [b.op1('Add', [xy, x]), b.op1('Add', [y, b.op1('Mul', [y, y])])]);
    b.output(b.op1('Sub', [z, b.op1('Neg', [xy])]), 'out');
    const rng = new Rng(1);
    const feeds = { x: randn([3, 4], rng), y: randn([3, 4], rng, 0.1) };
    (feeds.y.data as Float32Array).forEach((v, i, a) => (a[i] = 1 + Math.abs(v)));
    const r = await checkGradients(b.build(), { wrt: ['x', 'y'], feeds, backend: nodeBackend });
    expect(describeFailures(r)).toBe('');
    expect(r.length).toBe(6);
  });

  it('names every node that has no gradient rule', () => {
    const b = new GraphBuilder('g');
    const x = b.input('x', 'float32', [2]);
    b.graph.nodes.push({ op: 'Det', name: 'hm', inputs: [x.name], outputs: ['h'], attrs: {} });
    b.graph.values.set('h', { dtype: 'float32', shape: [2] });
    b.graph.outputs.push('h');
    expect(() => grad(b.build(), { loss: 'h', wrt: ['x'] })).toThrow(UnsupportedOpsError);
    expect(() => grad(b.build(), { loss: 'h', wrt: ['x'] })).toThrow(/Det \(node "hm"\)/);
  });

  it('refuses a constant initializer as a target', () => {
    const b = new GraphBuilder('g');
    const x = b.input('x', 'float32', [2]);
    const w = b.constant(randn([2], new Rng(2)), 'w');
    b.output(b.op1('Mul', [x, w]), 'y');
    expect(() => grad(b.build(), { loss: 'y', wrt: ['w'] })).toThrow(/constant initializer/);
  });
});
