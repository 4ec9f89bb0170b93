import { describe, expect, it } from 'vitest';
import { GraphBuilder } from '../builder.ts';
import { checkGradients, describeFailures } from '../grad/check.ts';
import { withDefaults, type Graph } from '../ir.ts';
import { randn, Rng } from '../random.ts';
import { nodeBackend } from '../session/node.ts';
import type { Backend } from '../session/session.ts';
import { configureWasm, webBackend } from '../session/web.ts';
import { i64, type Tensor } from '../tensor.ts';
import { importOnnx, UnsupportedOperatorsError } from './import.ts';
import { onnx } from './proto.ts';
import { toOnnxBytes } from './serialize.ts';
import { attr, modelBytes, nodeMsg as node, valueMsg, type ModelSpec } from './test-models.ts';

configureWasm({ threads: 1 });

const INT64_MAX = 9223372036854775807n;
const rng = new Rng(11);
const W = randn([6, 4], rng);
const B = randn([4], rng);

/**
 * What PyTorch's exporter writes for `fc(x).reshape(x.shape[0], 2, 2)` and friends: Constant
 * nodes, int64 initializers, a symbolic batch and shape arithmetic on Shape outputs.
 */
function exporterSpec(): ModelSpec {
  return {
    inputs: [valueMsg('x', 'float32', ['batch', 6])],
    outputs: [valueMsg('y', 'float32', ['batch', 2, 1]), valueMsg('z', 'float32', ['batch', 4])],
    initializers: [
      ['fc.weight', W],
      ['fc.bias', B],
      ['onnx::Concat_9', i64([1], [-1])],
      ['onnx::Slice_start', i64([1], [1])],
      ['onnx::Slice_end', i64([1], [INT64_MAX])],
      ['onnx::Slice_axes', i64([1], [-1])],
      ['onnx::Slice_zero', i64([1], [0])],
    ],
    nodes: [
      node('MatMul', ['x', 'fc.weight'], ['/fc/MatMul_output_0'], [], '/fc/MatMul'),
      node('Add', ['/fc/MatMul_output_0', 'fc.bias'], ['/fc/Add_output_0'], [], '/fc/Add'),
      node('Shape', ['x'], ['/Shape_output_0'], [], '/Shape'),
      node('Constant', [], ['/Constant_output_0'], [attr.tensor('value', i64([], [0]))], '/Constant'),
      node('Gather', ['/Shape_output_0', '/Constant_output_0'], ['/Gather_output_0'], [attr.int('axis', 0)], '/Gather'),
      node('Constant', [], ['/Constant_1_output_0'], [attr.tensor('value', i64([1], [0]))], '/Constant_1'),
      node('Unsqueeze', ['/Gather_output_0', '/Constant_1_output_0'], ['/Unsqueeze_output_0'], [], '/Unsqueeze'),
      node('Constant', [], ['/Constant_2_output_0'], [attr.ints('value_ints', [2, 2])], '/Constant_2'),
      node('Concat', ['/Unsqueeze_output_0', '/Constant_2_output_0'], ['/Concat_output_0'], [attr.int('axis', 0)], '/Concat'),
      node('Reshape', ['/fc/Add_output_0', '/Concat_output_0'], ['/Reshape_output_0'], [], '/Reshape'),
      node('Dropout', ['/Reshape_output_0'], ['/Dropout_output_0'], [], '/Dropout'),
      node(
        'Slice',
        ['/Dropout_output_0', 'onnx::Slice_start', 'onnx::Slice_end', 'onnx::Slice_axes'],
        ['/Slice_output_0'],
        [],
        '/Slice',
      ),
      node('Constant', [], ['/Constant_3_output_0'], [attr.float('value_float', 0.5)], '/Constant_3'),
      node('Mul', ['/Slice_output_0', '/Constant_3_output_0'], ['y'], [], '/Mul'),
      // Shape -> Slice -> Concat -> Reshape, as exporters write flatten(1).
      node('Shape', ['/Reshape_output_0'], ['/Shape_1_output_0'], [], '/Shape_1'),
      node('Slice', ['/Shape_1_output_0', 'onnx::Slice_zero', 'onnx::Slice_start'], ['/Slice_1_output_0'], [], '/Slice_1'),
      node('Concat', ['/Slice_1_output_0', 'onnx::Concat_9'], ['/Concat_1_output_0'], [attr.int('axis', 0)], '/Concat_1'),
      node('Reshape', ['/Dropout_output_0', '/Concat_1_output_0'], ['/Reshape_1_output_0'], [], '/Reshape_1'),
      node('Relu', ['/Reshape_1_output_0'], ['z'], [], '/Relu'),
    ],
  };
}

async function run(backend: Backend, bytes: Uint8Array, feeds: Record<string, Tensor>) {
  const s = await backend.create(bytes);
  try {
    return await s.run(feeds);
  } finally {
    await s.release();
  }
}

function expectClose(got: Tensor, want: Tensor, what: string) {
  expect(got.shape, what).toEqual(want.shape);
  const a = got.data as Float32Array;
  const b = want.data as Float32Array;
  for (let i = 0; i < a.length; i++) expect(Math.abs(a[i] - b[i]), `${what}[${i}]`).toBeLessThan(1e-5 * (1 + Math.abs(b[i])));
}

describe('importOnnx on an exporter-style model', () => {
  const bytes = modelBytes(exporterSpec());

  it('folds the shape arithmetic away and keeps names', () => {
    const g = importOnnx(bytes, { dims: { batch: 2 } });
    const ops = g.nodes.map((n) => n.op);
    for (const gone of ['Shape', 'Constant', 'Gather', 'Unsqueeze', 'Concat']) expect(ops).not.toContain(gone);
    // Inference Dropout is the identity.
    expect(ops.sort()).toEqual(['Add', 'Identity', 'MatMul', 'Mul', 'Relu', 'Reshape', 'Reshape', 'Slice']);
    expect(g.outputs).toEqual(['y', 'z']);
    expect(g.values.get('y')!.shape).toEqual([2, 2, 1]);
    expect(g.values.get('z')!.shape).toEqual([2, 4]);
    expect(g.nodes.some((n) => n.name === '/fc/MatMul')).toBe(true);
    // Constants that only fed the shape arithmetic are dropped.
    expect([...g.initializers.keys()].filter((k) => k.startsWith('/Shape') || k.startsWith('/Gather'))).toEqual([]);
    expect(g.initializers.has('fc.weight')).toBe(true);
  });

  for (const batch of [1, 3])
    it(`computes what onnxruntime computes from the original file (batch ${batch})`, async () => {
      const x = randn([batch, 6], rng);
      const want = await run(nodeBackend, bytes, { x });
      const g = importOnnx(bytes, { dims: { batch } });
      for (const backend of [nodeBackend, webBackend]) {
        const got = await run(backend, toOnnxBytes(g), { x });
        expectClose(got.y, want.y, `${backend.name} y`);
        expectClose(got.z, want.z, `${backend.name} z`);
      }
    });

  it('makes repeated and missing node names unique', async () => {
    const spec = exporterSpec();
    spec.nodes = spec.nodes.map((n, i) => ({ ...n, name: i % 3 === 0 ? '' : '/same' }));
    const g = importOnnx(modelBytes(spec), { dims: { batch: 2 } });
    expect(new Set(g.nodes.map((n) => n.name)).size).toBe(g.nodes.length);
    // onnxruntime refuses repeated node names, so running proves they are unique.
    const x = randn([2, 6], rng);
    expectClose((await run(nodeBackend, toOnnxBytes(g), { x })).y, (await run(nodeBackend, bytes, { x })).y, 'y');
  });

  it('keeps the name of an output that folds to a constant', async () => {
    const spec: ModelSpec = {
      inputs: [valueMsg('x', 'float32', ['batch', 3, 2])],
      outputs: [valueMsg('shape', 'int64', [3]), valueMsg('flat', 'float32', ['batch', 6])],
      initializers: [['minus1', i64([1], [-1])], ['zero', i64([1], [0])]],
      nodes: [
        node('Shape', ['x'], ['shape'], [], 'shape_of_x'),
        node('Gather', ['shape', 'zero'], ['b'], [], 'g'),
        node('Concat', ['b', 'minus1'], ['spec'], [attr.int('axis', 0)], 'c'),
        node('Reshape', ['x', 'spec'], ['flat'], [], 'r'),
      ],
    };
    const file = modelBytes(spec);
    const g = importOnnx(file, { dims: { batch: 2 } });
    expect(g.outputs).toEqual(['shape', 'flat']);
    expect(g.nodes.map((n) => n.op).sort()).toEqual(['Identity', 'Reshape']);
    const x = randn([2, 3, 2], rng);
    const [got, want] = [await run(nodeBackend, toOnnxBytes(g), { x }), await run(nodeBackend, file, { x })];
    expect(Array.from(got.shape.data as BigInt64Array)).toEqual([2n, 3n, 2n]);
    expect(Array.from(want.shape.data as BigInt64Array)).toEqual([2n, 3n, 2n]);
    expectClose(got.flat, want.flat, 'flat');
  });

  it('imports nodes stored out of order', async () => {
    const spec = exporterSpec();
    spec.nodes = [...spec.nodes].reverse();
    const x = randn([2, 6], rng);
    const got = await run(nodeBackend, toOnnxBytes(importOnnx(modelBytes(spec), { dims: { batch: 2 } })), { x });
    const want = await run(nodeBackend, bytes, { x });
    expectClose(got.y, want.y, 'y');
    expectClose(got.z, want.z, 'z');
  });

  it('takes gradients with respect to trainable initializers', async () => {
    const g = importOnnx(bytes, { dims: { batch: 2 }, trainable: ['fc.weight', 'fc.bias'] });
    expect(g.inputs).toContain('fc.weight');
    expect(g.defaults?.has('fc.weight')).toBe(true);
    const feeds = { x: randn([2, 6], rng), 'fc.weight': W, 'fc.bias': B };
    for (const output of ['y', 'z']) {
      const r = await checkGradients(g, { wrt: ['fc.weight', 'fc.bias'], feeds, backend: nodeBackend, output, directions: 4 });
      expect(describeFailures(r), output).toBe('');
    }
    // The stored value is used when the caller does not feed the weight.
    const x = randn([2, 6], rng);
    const got = await run(nodeBackend, toOnnxBytes(g), withDefaults(g, { x }));
    expectClose(got.y, (await run(nodeBackend, bytes, { x })).y, 'y with default weight');
  });
});

describe('importOnnx round trip', () => {
  it('build -> toOnnxBytes -> importOnnx gives the same graph outputs', async () => {
    const b = new GraphBuilder('rt');
    const x = b.input('x', 'float32', [2, 3, 4]);
    const t = b.op1('Transpose', [x], { perm: [2, 0, 1] });
    const [p, q] = b.op('Split', [t, b.ints([1, 3])], { axis: 0 }, { outputs: 2 });
    const c = b.op1('Concat', [q, b.op1('Tile', [p, b.ints([2, 1, 1])])], { axis: 0 });
    const gth = b.op1('Gather', [c, b.ints([4, 0, 0])], { axis: 0 });
    const e = b.op1('Expand', [b.op1('Unsqueeze', [gth, b.ints([0])]), b.ints([2, 1, 1, 1])]);
    b.output(b.op1('Mul', [e, b.scalar(2)]), 'out');
    b.output(b.op1('Flatten', [c], { axis: 2 }), 'flat');
    const g = b.build();
    const bytes = toOnnxBytes(g);
    const back = importOnnx(bytes);
    expect(back.outputs).toEqual(g.outputs);
    expect(back.nodes.map((n) => n.op)).toEqual(g.nodes.map((n) => n.op));
    for (const o of g.outputs) expect(back.values.get(o)).toEqual(g.values.get(o));
    const feeds = { x: randn([2, 3, 4], new Rng(3)) };
    const want = await run(nodeBackend, bytes, feeds);
    const got = await run(nodeBackend, toOnnxBytes(back), feeds);
    for (const o of g.outputs) expectClose(got[o], want[o], o);
  });
});

describe('importOnnx errors', () => {
  const ok = exporterSpec();
  const bad = (patch: Partial<ModelSpec>) => modelBytes({ ...ok, ...patch });

  it('rejects bytes that are not an ONNX model', () => {
    expect(() => importOnnx(new Uint8Array([0xff, 0xff, 0xff, 0xff, 0x0f]))).toThrow(/not an ONNX model/);
    expect(() => importOnnx(onnx.ModelProto.encode({ irVersion: 8 }).finish())).toThrow(/no graph/);
  });

  it('lists unbound symbolic dimensions and the option that sets them', () => {
    const bytes = bad({ inputs: [valueMsg('x', 'float32', ['batch', 6]), valueMsg('m', 'float32', ['seq', 'batch'])] });
    expect(() => importOnnx(bytes)).toThrow(/batch \("x" dim 0, "m" dim 1\); seq \("m" dim 0\).*dims: \{ "batch": 1, "seq": 1 \}/);
  });

  it('rejects opsets outside 7–21', () => {
    expect(() => importOnnx(bad({ opset: 6 }), { dims: { batch: 1 } })).toThrow(/opset 6.*7–21/);
    expect(() => importOnnx(bad({ opset: 22 }), { dims: { batch: 1 } })).toThrow(/opset 22/);
  });

  it('collects every unsupported operator with its node name', () => {
    const nodes = [...ok.nodes, node('FancyOp', ['y'], ['f1'], [], 'fancy_1'), node('Gelu', ['y'], ['f2'], [], 'ms_gelu', 'com.microsoft')];
    let err: unknown;
    try {
      importOnnx(bad({ nodes }), { dims: { batch: 1 } });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UnsupportedOperatorsError);
    expect((err as Error).message).toMatch(/2 nodes/);
    expect((err as Error).message).toMatch(/FancyOp \(node "fancy_1"\)/);
    expect((err as Error).message).toMatch(/com\.microsoft\.Gelu \(node "ms_gelu"\)/);
  });

  it('names a value that is used but never defined, and a cycle', () => {
    const ghost = [...ok.nodes, node('Relu', ['ghost'], ['r'], [], 'uses_ghost')];
    expect(() => importOnnx(bad({ nodes: ghost }), { dims: { batch: 1 } })).toThrow(/uses_ghost.*"ghost"/);
    const cycle = [...ok.nodes, node('Relu', ['c2'], ['c1'], [], 'loop_a'), node('Relu', ['c1'], ['c2'], [], 'loop_b')];
    expect(() => importOnnx(bad({ nodes: cycle }), { dims: { batch: 1 } })).toThrow(/cycle.*loop_a.*loop_b/);
  });

  it('rejects a trainable name that is not an initializer, and a wrong declared output', () => {
    expect(() => importOnnx(modelBytes(ok), { dims: { batch: 1 }, trainable: ['x'] })).toThrow(/"x" is not an initializer/);
    const wrong = bad({ outputs: [valueMsg('y', 'float32', ['batch', 2, 2]), ok.outputs[1]] });
    expect(() => importOnnx(wrong, { dims: { batch: 1 } })).toThrow(/output "y": the file declares/);
  });

  it('reports a wrong shape at build time, naming the node', () => {
    const nodes = ok.nodes.map((n) => (n.name === '/Constant_2' ? node('Constant', [], ['/Constant_2_output_0'], [attr.ints('value_ints', [3, 3])], '/Constant_2') : n));
    expect(() => importOnnx(bad({ nodes }), { dims: { batch: 2 } })).toThrow(/Reshape "\/Reshape": cannot reshape/);
  });
});

describe('importOnnx on corrupted files', () => {
  it('throws an Error (never hangs or crashes) for random byte mutations', () => {
    const bytes = modelBytes(exporterSpec());
    const r = new Rng(99);
    let threw = 0;
    let imported = 0;
    const t0 = Date.now();
    for (let k = 0; k < 300; k++) {
      const m = new Uint8Array(bytes.subarray(0, k % 10 === 0 ? r.int(bytes.length) : bytes.length)); // a copy (Buffer.slice would share memory)
      for (let j = 0, n = 1 + r.int(4); j < n && m.length; j++) m[r.int(m.length)] = r.int(256);
      try {
        const g: Graph = importOnnx(m, { dims: { batch: 2 } });
        expect(g.outputs.length).toBeGreaterThan(0);
        imported++;
      } catch (e) {
        expect(e, `mutation ${k}`).toBeInstanceOf(Error);
        expect((e as Error).message.length).toBeGreaterThan(0);
        threw++;
      }
    }
    expect(threw).toBeGreaterThan(50);
    expect(threw + imported).toBe(300);
    expect(Date.now() - t0).toBeLessThan(30_000);
  });
});

