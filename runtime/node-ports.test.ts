// Ports made from params: a node type whose inputs are named by a param, read by validation, cache
// keys and the scheduler through `portsOf`; and the ONNX Model node's ports from a recorded file.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { legacyHandleMoves } from '../nodes/personalize/onnx-ports.ts';
import { registry as nodes } from '../nodes/registry.ts';
import { cacheKeys } from './cache-keys.ts';
import { describeNode } from './catalog.ts';
import { defineNode } from './define-node.ts';
import { indexGraph } from './graph.ts';
import { inProcessExecutor } from './in-process.ts';
import { hasDynamicPorts, portsOf } from './node-ports.ts';
import { port } from './ports.ts';
import { createRegistry } from './registry.ts';
import { createRuntime } from './scheduler.ts';
import { graph } from './testing/fixtures.ts';
import { noPlatform } from './platform.ts';
import { validateGraph } from './validate.ts';

// A sum over inputs named by its `terms` param; with no terms, the one declared input `a`.
const sum = defineNode({
  type: 'sum',
  version: 1,
  title: 'Sum',
  category: 'test',
  inputs: { a: port.scalar() },
  outputs: { total: port.scalar() },
  params: z.object({ terms: z.array(z.string().min(1)).default([]) }),
  dynamicPorts: (p) => (p.terms.length ? { inputs: Object.fromEntries(p.terms.map((t) => [t, port.scalar()])), outputs: { total: port.scalar() }, from: `terms ${p.terms.join('+')}` } : undefined),
  async run({ inputs }) {
    const values = Object.values(inputs as Record<string, { value: number } | undefined>);
    return { total: { kind: 'scalar', value: values.reduce((s, v) => s + (v?.value ?? 0), 0) } };
  },
});
const constant = defineNode({
  type: 'constant',
  version: 1,
  title: 'Constant',
  category: 'test',
  inputs: {},
  outputs: { value: port.scalar() },
  params: z.object({ value: z.number() }),
  async run({ params }) {
    return { value: { kind: 'scalar', value: params.value } };
  },
});
const registry = createRegistry([sum, constant]);

describe('portsOf', () => {
  it('gives the declared ports, or what the hook makes of the params (the declared ones when params do not parse)', () => {
    expect(Object.keys(portsOf(sum, {}).inputs)).toEqual(['a']);
    expect(Object.keys(portsOf(sum, { terms: ['x', 'y'] }).inputs)).toEqual(['x', 'y']);
    expect(portsOf(sum, { terms: ['x'] }).from).toBe('terms x');
    expect(Object.keys(portsOf(sum, { terms: 'x' }).inputs)).toEqual(['a']);
    expect(portsOf(constant, { value: 1 })).toBe(constant);
    expect([hasDynamicPorts(sum), hasDynamicPorts(constant)]).toEqual([true, false]);
    expect([describeNode(sum).dynamicPorts, describeNode(constant).dynamicPorts]).toEqual([true, false]);
  });

  it('validation wires to the ports the params make, and names where they came from when one is missing', () => {
    const ok = graph([['c', 'constant', { value: 2 }], ['s', 'sum', { terms: ['x', 'y'] }]], [['c', 'value', 's', 'x'], ['c', 'value', 's', 'y']]);
    expect(validateGraph(ok, registry)).toEqual([]);
    const stale = graph([['c', 'constant', { value: 2 }], ['s', 'sum', { terms: ['x'] }]], [['c', 'value', 's', 'x'], ['c', 'value', 's', 'y']]);
    expect(validateGraph(stale, registry)).toEqual([
      { code: 'unknown-port', nodeId: 's', edgeId: 'e1', field: 'inputs.y', message: 'Sum has no input "y": terms x has inputs "x"' },
    ]);
    // Required dynamic inputs are required: `y` unwired.
    const missing = graph([['c', 'constant', { value: 2 }], ['s', 'sum', { terms: ['x', 'y'] }]], [['c', 'value', 's', 'x']]);
    expect(validateGraph(missing, registry).map((e) => [e.code, e.field])).toEqual([['missing-input', 'inputs.y']]);
  });

  it('the scheduler feeds dynamic ports, and a changed port list changes the cache key', async () => {
    const doc = graph(
      [['c', 'constant', { value: 2 }], ['d', 'constant', { value: 5 }], ['s', 'sum', { terms: ['x', 'y'] }]],
      [['c', 'value', 's', 'x'], ['d', 'value', 's', 'y']],
    );
    const rt = createRuntime({ registry, executor: inProcessExecutor(registry, noPlatform) });
    const r = await rt.run(doc, { outputs: ['s'] }).done;
    expect(r.status).toBe('finished');
    expect(r.outputs.get('s')?.total).toEqual({ kind: 'scalar', value: 7 });
    const other = { ...doc, nodes: doc.nodes.map((n) => (n.id === 's' ? { ...n, params: { terms: ['y', 'x'] } } : n)) };
    expect(cacheKeys(other, indexGraph(other), registry).get('s')).not.toBe(cacheKeys(doc, indexGraph(doc), registry).get('s'));
  });
});

describe('ONNX Model ports', () => {
  const def = nodes.get('onnx-model')!;
  const recorded = {
    inputs: [
      { name: 'z', dtype: 'float32', shape: ['batch', 8] },
      { name: 'photo', dtype: 'float32', shape: ['batch', 3, 4, 4] },
      { name: 'lora', dtype: 'int64', shape: [1] },
    ],
    outputs: [
      { name: 'picture', dtype: 'float32', shape: [1, 1, 4, 4] },
      { name: 'score', dtype: 'float32', shape: [1, 2] },
      { name: 'mask', dtype: 'float32', shape: [1, 2, 4, 4] },
    ],
  };
  const kinds = (m: Record<string, { kind: string; isOptional: boolean }>) => Object.fromEntries(Object.entries(m).map(([k, p]) => [k, `${p.kind}${p.isOptional ? '?' : ''}`]));

  it('has the fixed ports of old graphs until its file\'s ports are recorded', () => {
    const p = portsOf(def, { source: 'g.onnx' });
    expect([kinds(p.inputs), kinds(p.outputs)]).toEqual([{ input: 'latent?', images: 'image?', lora: 'lora?' }, { model: 'model', images: 'image', tensor: 'latent' }]);
  });

  it('then shows one port per model input and output: images for [N, 1 or 3, H, W], tensors otherwise', () => {
    const p = portsOf(def, { source: 'g.onnx', ports: recorded });
    // A model input named like a fixed port keeps its name with a mark.
    expect(kinds(p.inputs)).toEqual({ z: 'latent?', photo: 'image?', lora_: 'latent?', lora: 'lora?' });
    expect(kinds(p.outputs)).toEqual({ model: 'model', picture: 'image', score: 'latent', mask: 'latent' });
    expect(p.from).toBe('model file "g.onnx"');
  });

  it('names the port and the file when a wire reaches a port the chosen file does not have', () => {
    const doc = graph(
      [['noise', 'seed-noise'], ['m', 'onnx-model', { source: 'models/other.onnx', ports: recorded }], ['p', 'preview']],
      [['noise', 'latent', 'm', 'latent_in'], ['m', 'picture', 'p', 'images'], ['m', 'image', 'p', 'images']],
    );
    expect(validateGraph(doc, nodes).map((e) => e.message)).toEqual([
      'ONNX Model has no input "latent_in": model file "models/other.onnx" has inputs "z", "photo", "lora_", "lora"',
      'ONNX Model has no output "image": model file "models/other.onnx" has outputs "model", "picture", "score", "mask"',
    ]);
  });

  it('moves the wires of an old node onto the chosen input and output once its ports are recorded', () => {
    const doc = graph(
      [['noise', 'seed-noise'], ['m', 'onnx-model', { source: 'g.onnx' }], ['p', 'preview']],
      [['noise', 'latent', 'm', 'input'], ['m', 'images', 'p', 'images'], ['m', 'model', 'p', 'images']],
    );
    const moves = legacyHandleMoves('m', recorded, { input: 'photo', output: '' }, doc.edges);
    expect([...moves]).toEqual([['e0', { targetHandle: 'photo' }], ['e1', { sourceHandle: 'picture' }]]);
  });
});
