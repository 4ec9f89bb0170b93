// Loop and Scan with counts known when the graph is built: the unrolled graph must give
// onnxruntime's outputs for the file as written (which runs the loop itself), differentiate
// (finite differences), and refuse loops that depend on run-time values by name.
import { describe, expect, it } from 'vitest';
import { checkGradients, describeFailures } from '../grad/check.ts';
import { closeness, runModel } from '../ops/test-run.ts';
import { randn, Rng } from '../random.ts';
import { nodeBackend } from '../session/node.ts';
import { f32, i64, type Tensor, tensor } from '../tensor.ts';
import { LimitError } from '../untrusted/limits.ts';
import { importOnnx } from './import.ts';
import { toOnnxBytes } from './serialize.ts';
import { attr, modelBytes, nodeMsg as node, valueMsg } from './test-models.ts';

type NodeMsg = ReturnType<typeof node>;
type GraphMsg = { name: string; node: NodeMsg[]; input: ReturnType<typeof valueMsg>[]; output: ReturnType<typeof valueMsg>[] };
const rng = new Rng(9071);
const GRAPH = 5;
const untyped = (name: string) => ({ name, type: { tensorType: { elemType: 1 } } }) as ReturnType<typeof valueMsg>;
const withBody = (n: NodeMsg, body: GraphMsg): NodeMsg => ({ ...n, attribute: [...(n.attribute ?? []), { name: 'body', type: GRAPH, g: body }] });

const run = (bytes: Uint8Array, feeds: Record<string, Tensor>) => runModel(nodeBackend, bytes, feeds);
const values = (t: Tensor) => Array.from(t.data as Float32Array, Number);

/** The imported graph computes what onnxruntime computes for the file, for each output. */
async function expectSameAsFile(bytes: Uint8Array, feeds: Record<string, Tensor>, outputs: string[]) {
  const g = importOnnx(bytes);
  const want = await run(bytes, feeds);
  const got = await run(toOnnxBytes(g), feeds);
  for (const o of outputs) {
    expect(got[o].shape, o).toEqual(want[o].shape);
    expect(closeness(values(got[o]), values(want[o])), o).toBeLessThan(1);
  }
  return g;
}

// Body: y = x·two + iteration (as float); cond passes through; scan output tanh(y).
const loopBody = (condOut: NodeMsg[]): GraphMsg => ({
  name: 'body',
  node: [node('Cast', ['i'], ['fi'], [attr.int('to', 1)]), node('Mul', ['x_in', 'two'], ['m']), node('Add', ['m', 'fi'], ['x_out']), node('Tanh', ['x_out'], ['s']), ...condOut],
  input: [valueMsg('i', 'int64', []), valueMsg('c_in', 'bool', []), valueMsg('x_in', 'float32', [2, 3])],
  output: [valueMsg('c_out', 'bool', []), valueMsg('x_out', 'float32', [2, 3]), valueMsg('s', 'float32', [2, 3])],
});

function loopModel(o: { m?: number | 'input'; cond: 'true' | 'input'; condOut: NodeMsg[]; extra?: [string, Tensor][] }): Uint8Array {
  const inits: [string, Tensor][] = [['two', f32([], [0.5])], ['t', tensor('bool', [], [1])], ...(o.extra ?? [])];
  if (typeof o.m === 'number') inits.push(['M', i64([], [o.m])]);
  const inputs = [valueMsg('x', 'float32', [2, 3])];
  if (o.m === 'input') inputs.push(valueMsg('M', 'int64', []));
  if (o.cond === 'input') inputs.push(valueMsg('c', 'bool', []));
  return modelBytes({
    opset: 13,
    nodes: [withBody(node('Loop', [o.m === undefined ? '' : 'M', o.cond === 'input' ? 'c' : 't', 'x'], ['y', 'scan'], [], 'loop1'), loopBody(o.condOut))],
    inputs,
    outputs: [untyped('y'), untyped('scan')],
    initializers: inits,
  });
}

describe('Loop with a count known when the graph is built', () => {
  it('unrolls a fixed trip count, stacks its scan outputs, and differentiates', async () => {
    const x = randn([2, 3], rng);
    const g = await expectSameAsFile(loopModel({ m: 3, cond: 'true', condOut: [node('Identity', ['c_in'], ['c_out'])] }), { x }, ['y', 'scan']);
    expect(g.nodes.filter((n) => n.op === 'Tanh')).toHaveLength(3);
    const r = await checkGradients(g, { wrt: ['x'], feeds: { x }, backend: nodeBackend });
    expect(describeFailures(r)).toBe('');
  });

  it('stops where a condition computed from the iteration becomes false', async () => {
    // c_out = i + 1 < 4: four iterations, no trip count.
    const condOut = [node('Add', ['i', 'one'], ['next']), node('Less', ['next', 'four'], ['c_out'])];
    const bytes = loopModel({ cond: 'true', condOut, extra: [['one', i64([], [1])], ['four', i64([], [4])]] });
    const g = await expectSameAsFile(bytes, { x: randn([2, 3], rng) }, ['y', 'scan']);
    expect(g.nodes.filter((n) => n.op === 'Tanh')).toHaveLength(4);
  });

  it('refuses a trip count or condition that depends on run-time values, naming the node', () => {
    expect(() => importOnnx(loopModel({ m: 'input', cond: 'true', condOut: [node('Identity', ['c_in'], ['c_out'])] }))).toThrow(/Loop "loop1" \(opset 13\): the trip count depends on run-time values/);
    expect(() => importOnnx(loopModel({ m: 3, cond: 'input', condOut: [node('Identity', ['c_in'], ['c_out'])] }))).toThrow(/Loop "loop1" \(opset 13\): the initial condition depends on run-time values/);
  });

  it('refuses a trip count past what can be unrolled', () => {
    expect(() => importOnnx(loopModel({ m: 1e9, cond: 'true', condOut: [node('Identity', ['c_in'], ['c_out'])] }))).toThrow(/1000000000 is more iterations than can be unrolled/);
    const err = (() => {
      try {
        importOnnx(loopModel({ m: 60_000, cond: 'true', condOut: [node('Identity', ['c_in'], ['c_out'])] }));
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(LimitError);
    expect((err as Error).message).toMatch(/Loop "loop1": unrolling its iterations adds more than 200,000 nodes/);
  });
});

describe('Scan over a static sequence', () => {
  // A recurrent cell: h' = tanh(x·W + h·U), the scan output is h'.
  const body: GraphMsg = {
    name: 'cell',
    node: [node('MatMul', ['x_t', 'W'], ['a']), node('MatMul', ['h', 'U'], ['r']), node('Add', ['a', 'r'], ['pre']), node('Tanh', ['pre'], ['h_next']), node('Identity', ['h_next'], ['out_t'])],
    input: [valueMsg('h', 'float32', [1, 4]), valueMsg('x_t', 'float32', [1, 3])],
    output: [valueMsg('h_next', 'float32', [1, 4]), valueMsg('out_t', 'float32', [1, 4])],
  };
  const scanModel = (attrs: ReturnType<typeof attr.int>[], xShape: number[]) =>
    modelBytes({
      opset: 11,
      nodes: [withBody(node('Scan', ['h0', 'X'], ['hT', 'H'], [attr.int('num_scan_inputs', 1), ...attrs], 'rnn'), body)],
      inputs: [valueMsg('h0', 'float32', [1, 4]), valueMsg('X', 'float32', xShape), valueMsg('W', 'float32', [3, 4]), valueMsg('U', 'float32', [4, 4])],
      outputs: [untyped('hT'), untyped('H')],
    });
  const feeds = (xShape: number[]) => ({ h0: randn([1, 4], rng), X: randn(xShape, rng), W: randn([3, 4], rng, 0.5), U: randn([4, 4], rng, 0.5) });

  it('runs the cell over the sequence, forwards, and differentiates through every step', async () => {
    const f = feeds([5, 1, 3]);
    const g = await expectSameAsFile(scanModel([], [5, 1, 3]), f, ['hT', 'H']);
    const r = await checkGradients(g, { wrt: ['X', 'W', 'U', 'h0'], feeds: f, backend: nodeBackend });
    expect(describeFailures(r)).toBe('');
  });

  it('honours reversed directions and other axes', async () => {
    const attrs = [attr.ints('scan_input_directions', [1]), attr.ints('scan_input_axes', [1]), attr.ints('scan_output_directions', [1]), attr.ints('scan_output_axes', [2])];
    await expectSameAsFile(scanModel(attrs, [1, 4, 3]), feeds([1, 4, 3]), ['hT', 'H']);
  });

  it('refuses the opset-8 form', () => {
    const bytes = modelBytes({
      opset: 8,
      nodes: [withBody(node('Scan', ['', 'h0', 'X'], ['hT', 'H'], [attr.int('num_scan_inputs', 1)], 'old'), body)],
      inputs: [valueMsg('h0', 'float32', [1, 1, 4]), valueMsg('X', 'float32', [1, 5, 3]), valueMsg('W', 'float32', [3, 4]), valueMsg('U', 'float32', [4, 4])],
      outputs: [untyped('hT'), untyped('H')],
    });
    expect(() => importOnnx(bytes)).toThrow(/Scan "old" \(opset 8\): the opset-8 Scan .* re-export at opset 9 or later/);
  });
});
