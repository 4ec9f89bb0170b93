// Each opset change the version adapter handles: one model written at the old opset and at the
// new one (as exporters of each era write it) must import to graphs that give onnxruntime's
// outputs for the file as written, the same outputs as each other, and the same gradients
// (checked against finite differences).
import { describe, expect, it } from 'vitest';
import { checkGradients, describeFailures } from '../grad/check.ts';
import { grad } from '../grad/grad.ts';
import { withDefaults } from '../ir.ts';
import { closeness, runModel } from '../ops/test-run.ts';
import { randn, Rng, uniform } from '../random.ts';
import { nodeBackend } from '../session/node.ts';
import { f32, i64, type Tensor } from '../tensor.ts';
import { importOnnx } from './import.ts';
import { toOnnxBytes } from './serialize.ts';
import { attr, modelBytes, nodeMsg as node, valueMsg } from './test-models.ts';

type NodeMsg = ReturnType<typeof node>;
const rng = new Rng(716);

interface Version {
  opset: number;
  nodes: NodeMsg[];
  initializers?: [string, Tensor][];
}

interface Case {
  name: string;
  feeds: Record<string, Tensor>;
  versions: Version[];
  /** Inputs to differentiate (default: every fed input); [] for operators without gradients. */
  wrt?: string[];
  outputs?: string[];
}

/** An output declared without a shape, as some exporters leave them. */
const untyped = (name: string) => ({ name, type: { tensorType: { elemType: 1 } } });

function bytesOf(c: Case, v: Version): Uint8Array {
  return modelBytes({
    opset: v.opset,
    nodes: v.nodes,
    inputs: Object.entries(c.feeds).map(([n, t]) => valueMsg(n, t.dtype as 'float32', [...t.shape])),
    outputs: (c.outputs ?? ['y']).map((o) => untyped(o) as ReturnType<typeof valueMsg>),
    initializers: v.initializers,
  });
}

const run = (bytes: Uint8Array, feeds: Record<string, Tensor>) => runModel(nodeBackend, bytes, feeds);

const values = (t: Tensor) => Array.from(t.data as Float32Array, Number);

async function expectSameAcrossVersions(c: Case) {
  const outs = c.outputs ?? ['y'];
  const wrt = c.wrt ?? Object.keys(c.feeds);
  let first: { outputs: number[][]; grads: number[][] } | null = null;
  for (const v of c.versions) {
    const label = `${c.name} at opset ${v.opset}`;
    const bytes = bytesOf(c, v);
    const reference = await run(bytes, c.feeds);
    const g = importOnnx(bytes);
    expect(g.opset, label).toBe(17);
    const mine = await run(toOnnxBytes(g), withDefaults(g, c.feeds));
    for (const o of outs) expect(closeness(values(mine[o]), values(reference[o])), `${label}: output ${o}`).toBeLessThan(1);
    let grads: number[][] = [];
    if (wrt.length) {
      const dg = grad(g, { loss: outs[0], wrt });
      const res = await run(toOnnxBytes(dg), c.feeds);
      grads = wrt.map((w) => values(res[`${w}_grad`]));
      const r = await checkGradients(g, { wrt, feeds: c.feeds, backend: nodeBackend, output: outs[0] });
      expect(describeFailures(r), label).toBe('');
    }
    const now = { outputs: outs.map((o) => values(mine[o])), grads };
    if (!first) first = now;
    else {
      now.outputs.forEach((o, i) => expect(closeness(o, first!.outputs[i]), `${label}: output ${outs[i]} vs opset ${c.versions[0].opset}`).toBeLessThan(1));
      now.grads.forEach((gr, i) => expect(closeness(gr, first!.grads[i]), `${label}: gradient of ${wrt[i]}`).toBeLessThan(1));
    }
  }
}

const x234 = () => randn([2, 3, 4], rng);
const img = (c = 3, h = 4, w = 5) => randn([1, c, h, w], rng);

const CASES: Case[] = [
  {
    name: 'Squeeze/Unsqueeze axes: attribute (11) → input (13)',
    feeds: { x: randn([2, 1, 3], rng) },
    versions: [
      { opset: 11, nodes: [node('Squeeze', ['x'], ['s'], [attr.ints('axes', [1])]), node('Unsqueeze', ['s'], ['y'], [attr.ints('axes', [0, 3])])] },
      {
        opset: 13,
        nodes: [node('Squeeze', ['x', 'a1'], ['s']), node('Unsqueeze', ['s', 'a03'], ['y'])],
        initializers: [['a1', i64([1], [1])], ['a03', i64([2], [0, 3])]],
      },
    ],
  },
  {
    name: 'ReduceSum axes: attribute (11) → input (13); ReduceMean: attribute (17) → input (18)',
    feeds: { x: x234() },
    versions: [
      { opset: 11, nodes: [node('ReduceSum', ['x'], ['s'], [attr.ints('axes', [1])]), node('ReduceMean', ['s'], ['y'], [attr.ints('axes', [-1]), attr.int('keepdims', 0)])] },
      {
        opset: 18,
        nodes: [node('ReduceSum', ['x', 'a1'], ['s']), node('ReduceMean', ['s', 'am1'], ['y'], [attr.int('keepdims', 0)])],
        initializers: [['a1', i64([1], [1])], ['am1', i64([1], [-1])]],
      },
    ],
  },
  {
    name: 'ReduceMax with empty axes and noop_with_empty_axes (18)',
    feeds: { x: x234() },
    versions: [
      { opset: 13, nodes: [node('Identity', ['x'], ['y'])] },
      { opset: 18, nodes: [node('ReduceMax', ['x'], ['y'], [attr.int('noop_with_empty_axes', 1)])] },
    ],
  },
  {
    name: 'Split: attribute (11) → input (13) → num_outputs with a smaller last part (18)',
    feeds: { x: randn([2, 7], rng) },
    outputs: ['y', 'b', 'c'],
    versions: [
      { opset: 11, nodes: [node('Split', ['x'], ['y', 'b', 'c'], [attr.int('axis', 1), attr.ints('split', [3, 3, 1])])] },
      { opset: 13, nodes: [node('Split', ['x', 's'], ['y', 'b', 'c'], [attr.int('axis', 1)])], initializers: [['s', i64([3], [3, 3, 1])]] },
      { opset: 18, nodes: [node('Split', ['x'], ['y', 'b', 'c'], [attr.int('axis', -1), attr.int('num_outputs', 3)])] },
    ],
  },
  ...(['Softmax', 'LogSoftmax'] as const).map((op): Case => ({
    name: `${op}: pre-13 flattening at axis 1 of a rank-3 input`,
    feeds: { x: x234() },
    versions: [
      { opset: 11, nodes: [node(op, ['x'], ['y'])] },
      {
        opset: 13,
        nodes: [node('Reshape', ['x', 'flat'], ['f']), node(op, ['f'], ['s'], [attr.int('axis', -1)]), node('Reshape', ['s', 'back'], ['y'])],
        initializers: [['flat', i64([2], [2, 12])], ['back', i64([3], [2, 3, 4])]],
      },
    ],
  })),
  {
    name: 'Softmax at the last axis before and after 13',
    feeds: { x: x234() },
    versions: [
      { opset: 9, nodes: [node('Softmax', ['x'], ['y'], [attr.int('axis', 2)])] },
      { opset: 13, nodes: [node('Softmax', ['x'], ['y'])] },
    ],
  },
  {
    name: 'Hardmax: pre-13 flattening (no gradient)',
    feeds: { x: x234() },
    wrt: [],
    versions: [
      { opset: 11, nodes: [node('Hardmax', ['x'], ['y'], [attr.int('axis', 1)])] },
      {
        opset: 13,
        nodes: [node('Reshape', ['x', 'flat'], ['f']), node('Hardmax', ['f'], ['s'], [attr.int('axis', -1)]), node('Reshape', ['s', 'back'], ['y'])],
        initializers: [['flat', i64([2], [2, 12])], ['back', i64([3], [2, 3, 4])]],
      },
    ],
  },
  {
    name: 'Clip: min/max attributes (7) → inputs (11), one bound or both',
    feeds: { x: uniform([3, 4], rng, -2, 2) },
    versions: [
      { opset: 7, nodes: [node('Clip', ['x'], ['c'], [attr.float('min', -0.5), attr.float('max', 0.7)]), node('Clip', ['c'], ['y'], [attr.float('min', -0.3)])] },
      {
        opset: 13,
        nodes: [node('Clip', ['x', 'lo', 'hi'], ['c']), node('Clip', ['c', 'lo2'], ['y'])],
        initializers: [['lo', f32([], [-0.5])], ['hi', f32([], [0.7])], ['lo2', f32([], [-0.3])]],
      },
    ],
  },
  ...(['constant', 'reflect', 'edge'] as const).map((mode): Case => ({
    name: `Pad ${mode}: attributes (10) → inputs (11) → axes input (18)`,
    feeds: { x: img(2, 4, 5) },
    versions: [
      { opset: 10, nodes: [node('Pad', ['x'], ['y'], [attr.string('mode', mode), attr.ints('pads', [0, 0, 1, 2, 0, 0, 3, 1]), attr.float('value', mode === 'constant' ? 0.5 : 0)])] },
      {
        opset: 11,
        nodes: [node('Pad', ['x', 'p', ...(mode === 'constant' ? ['v'] : [])], ['y'], [attr.string('mode', mode)])],
        initializers: [['p', i64([8], [0, 0, 1, 2, 0, 0, 3, 1])], ['v', f32([], [0.5])]],
      },
      {
        opset: 18,
        nodes: [node('Pad', ['x', 'p', mode === 'constant' ? 'v' : '', 'axes'], ['y'], [attr.string('mode', mode)])],
        initializers: [['p', i64([4], [1, 2, 3, 1])], ['v', f32([], [0.5])], ['axes', i64([2], [-2, 3])]],
      },
    ],
  })),
  {
    name: 'Slice: attributes (9) → inputs with steps (10, 13)',
    feeds: { x: x234() },
    versions: [
      { opset: 9, nodes: [node('Slice', ['x'], ['y'], [attr.ints('starts', [1, 0]), attr.ints('ends', [3, 1000]), attr.ints('axes', [1, 2])])] },
      {
        opset: 13,
        nodes: [node('Slice', ['x', 's', 'e', 'a', 'st'], ['y'])],
        initializers: [['s', i64([2], [1, 0])], ['e', i64([2], [3, 1000])], ['a', i64([2], [1, 2])], ['st', i64([2], [1, 1])]],
      },
    ],
  },
  ...(['nearest', 'linear'] as const).map((mode): Case => ({
    name: `Upsample ${mode} (7: scales attribute; 9: input) → Resize (10, 13)`,
    feeds: { x: img(2, 3, 4) },
    versions: [
      { opset: 7, nodes: [node('Upsample', ['x'], ['y'], [attr.string('mode', mode), attr.floats('scales', [1, 1, 2, 3])])] },
      { opset: 9, nodes: [node('Upsample', ['x', 'sc'], ['y'], [attr.string('mode', mode)])], initializers: [['sc', f32([4], [1, 1, 2, 3])]] },
      { opset: 10, nodes: [node('Resize', ['x', 'sc'], ['y'], [attr.string('mode', mode)])], initializers: [['sc', f32([4], [1, 1, 2, 3])]] },
      {
        opset: 13,
        nodes: [
          node('Resize', ['x', '', 'sc'], ['y'], [
            attr.string('mode', mode),
            attr.string('coordinate_transformation_mode', 'asymmetric'),
            ...(mode === 'nearest' ? [attr.string('nearest_mode', 'floor')] : []),
          ]),
        ],
        initializers: [['sc', f32([4], [1, 1, 2, 3])]],
      },
    ],
  })),
  {
    name: 'Resize by sizes: roi and empty scales (11) → omitted (13) → axes and keep_aspect_ratio_policy (18)',
    feeds: { x: img(2, 4, 6) },
    versions: [
      {
        opset: 11,
        nodes: [node('Resize', ['x', 'roi', 'none', 'sz'], ['y'], [attr.string('mode', 'linear')])],
        initializers: [['roi', f32([0], [])], ['none', f32([0], [])], ['sz', i64([4], [1, 2, 6, 9])]],
      },
      { opset: 13, nodes: [node('Resize', ['x', '', '', 'sz'], ['y'], [attr.string('mode', 'linear')])], initializers: [['sz', i64([4], [1, 2, 6, 9])]] },
      {
        opset: 18,
        nodes: [node('Resize', ['x', '', '', 'sz'], ['y'], [attr.string('mode', 'linear'), attr.ints('axes', [2, 3]), attr.string('keep_aspect_ratio_policy', 'not_larger')])],
        initializers: [['sz', i64([2], [6, 10])]],
      },
    ],
  },
  {
    name: 'Resize cubic by scales on two axes (18 axes attribute) and all axes (13)',
    feeds: { x: img(2, 4, 5) },
    versions: [
      { opset: 13, nodes: [node('Resize', ['x', '', 'sc'], ['y'], [attr.string('mode', 'cubic')])], initializers: [['sc', f32([4], [1, 1, 2, 1.5])]] },
      { opset: 18, nodes: [node('Resize', ['x', '', 'sc'], ['y'], [attr.string('mode', 'cubic'), attr.ints('axes', [2, 3])])], initializers: [['sc', f32([2], [2, 1.5])]] },
    ],
  },
  {
    name: 'BatchNormalization: spatial (7) → 9 → training_mode attribute (15)',
    feeds: { x: img(3, 2, 2) },
    versions: [7, 9, 15].map((opset) => ({
      opset,
      nodes: [node('BatchNormalization', ['x', 's', 'b', 'm', 'v'], ['y'], [attr.float('epsilon', 1e-3), ...(opset === 7 ? [attr.int('spatial', 1)] : [])])],
      initializers: [['s', f32([3], [1, 2, 0.5])], ['b', f32([3], [0, 0.1, -1])], ['m', f32([3], [0.2, -0.3, 1])], ['v', f32([3], [1, 0.5, 2])]] as [string, Tensor][],
    })),
  },
  {
    name: 'Dropout: ratio attribute with mask (7) → ratio input (12) → 13',
    feeds: { x: x234() },
    outputs: ['y'],
    versions: [
      { opset: 7, nodes: [node('Dropout', ['x'], ['d', 'mask'], [attr.float('ratio', 0.3)]), node('Tanh', ['d'], ['y'])] },
      { opset: 12, nodes: [node('Dropout', ['x', 'r'], ['d']), node('Tanh', ['d'], ['y'])], initializers: [['r', f32([], [0.3])]] },
      { opset: 13, nodes: [node('Dropout', ['x'], ['d']), node('Tanh', ['d'], ['y'])] },
    ],
  },
  {
    name: 'Scatter (9) → ScatterElements (11)',
    feeds: { x: randn([3, 4], rng), u: randn([2, 2], rng) },
    versions: [
      { opset: 9, nodes: [node('Scatter', ['x', 'i', 'u'], ['y'], [attr.int('axis', 1)])], initializers: [['i', i64([2, 2], [0, 3, 2, 1])]] },
      { opset: 11, nodes: [node('ScatterElements', ['x', 'i', 'u'], ['y'], [attr.int('axis', 1)])], initializers: [['i', i64([2, 2], [0, 3, 2, 1])]] },
    ],
  },
  {
    name: 'Reshape copying a dimension (0) at opset 7 and with allowzero=0 at 14',
    feeds: { x: x234() },
    versions: [
      { opset: 7, nodes: [node('Reshape', ['x', 'shape'], ['y'])], initializers: [['shape', i64([3], [0, -1, 2])]] },
      { opset: 14, nodes: [node('Reshape', ['x', 'shape'], ['y'], [attr.int('allowzero', 0)])], initializers: [['shape', i64([3], [0, -1, 2])]] },
    ],
  },
  {
    name: 'ScatterND overwriting (11) and with reduction none spelled out (16)',
    feeds: { x: randn([4, 3], rng), u: randn([2, 3], rng) },
    versions: [
      { opset: 11, nodes: [node('ScatterND', ['x', 'i', 'u'], ['y'])], initializers: [['i', i64([2, 1], [3, 1])]] },
      { opset: 16, nodes: [node('ScatterND', ['x', 'i', 'u'], ['y'], [attr.string('reduction', 'none')])], initializers: [['i', i64([2, 1], [3, 1])]] },
    ],
  },
  ...(['DCR', 'CRD'] as const).map((mode): Case => ({
    name: `DepthToSpace ${mode} and SpaceToDepth (opsets 9, 13), as super-resolution models use them`,
    feeds: { x: randn([1, 8, 3, 4], rng) },
    versions: [9, 13].map((opset) => ({
      opset,
      nodes: [
        node('DepthToSpace', ['x'], ['d'], [attr.int('blocksize', 2), ...(opset >= 11 ? [attr.string('mode', mode)] : [])]),
        node('Tanh', ['d'], ['t']),
        node('SpaceToDepth', ['t'], ['y'], [attr.int('blocksize', 2)]),
      ],
    })).filter((v) => mode === 'DCR' || v.opset >= 11),
  })),
  {
    name: 'ImageScaler (experimental, opset 7) against Mul and Add',
    feeds: { x: img(3, 2, 2) },
    versions: [
      { opset: 7, nodes: [node('ImageScaler', ['x'], ['y'], [attr.float('scale', 0.5), attr.floats('bias', [0.1, -0.2, 0.3])])] },
      {
        opset: 13,
        nodes: [node('Mul', ['x', 'sc'], ['m']), node('Add', ['m', 'b'], ['y'])],
        initializers: [['sc', f32([], [0.5])], ['b', f32([1, 3, 1, 1], [0.1, -0.2, 0.3])]],
      },
    ],
  },
  {
    name: 'Mish (18) and Gelu (20) against their definitions at 17',
    feeds: { x: x234() },
    outputs: ['y', 'g'],
    versions: [
      {
        opset: 17,
        nodes: [
          node('Softplus', ['x'], ['sp']), node('Tanh', ['sp'], ['t']), node('Mul', ['x', 't'], ['y']),
          node('Mul', ['x', 'r2'], ['xs']), node('Erf', ['xs'], ['e']), node('Add', ['e', 'one'], ['e1']), node('Mul', ['x', 'e1'], ['xe']), node('Mul', ['xe', 'half'], ['g']),
        ],
        initializers: [['r2', f32([], [Math.SQRT1_2])], ['one', f32([], [1])], ['half', f32([], [0.5])]],
      },
      { opset: 18, nodes: [node('Mish', ['x'], ['y']), node('Softplus', ['x'], ['sp']), node('Tanh', ['sp'], ['t']), node('Mul', ['x', 'r2'], ['xs']), node('Erf', ['xs'], ['e']), node('Add', ['e', 'one'], ['e1']), node('Mul', ['x', 'e1'], ['xe']), node('Mul', ['xe', 'half'], ['g'])], initializers: [['r2', f32([], [Math.SQRT1_2])], ['one', f32([], [1])], ['half', f32([], [0.5])]] },
      { opset: 20, nodes: [node('Mish', ['x'], ['y']), node('Gelu', ['x'], ['g'])] },
    ],
  },
  {
    name: 'GroupNormalization (21) against LayerNormalization of grouped channels (17)',
    feeds: { x: img(4, 3, 3) },
    versions: [
      {
        opset: 17,
        nodes: [
          node('Reshape', ['x', 'grouped'], ['gx']),
          node('LayerNormalization', ['gx', 'one', 'zero'], ['n'], [attr.int('axis', 2), attr.float('epsilon', 1e-5)]),
          node('Reshape', ['n', 'back'], ['nb']),
          node('Mul', ['nb', 'scale'], ['ns']),
          node('Add', ['ns', 'bias'], ['y']),
        ],
        initializers: [
          ['grouped', i64([3], [1, 2, 18])], ['back', i64([4], [1, 4, 3, 3])], ['one', f32([18], new Array(18).fill(1))], ['zero', f32([18], new Array(18).fill(0))],
          ['scale', f32([4, 1, 1], [1, 2, 0.5, -1])], ['bias', f32([4, 1, 1], [0, 0.1, 0.2, -0.3])],
        ],
      },
      {
        opset: 21,
        nodes: [node('GroupNormalization', ['x', 'scale', 'bias'], ['y'], [attr.int('num_groups', 2)])],
        initializers: [['scale', f32([4], [1, 2, 0.5, -1])], ['bias', f32([4], [0, 0.1, 0.2, -0.3])]],
      },
    ],
  },
  {
    name: 'Cast with saturate (19) and AveragePool with unit dilations (19)',
    feeds: { x: img(2, 4, 4) },
    versions: [
      { opset: 13, nodes: [node('Cast', ['x'], ['c'], [attr.int('to', 1)]), node('AveragePool', ['c'], ['y'], [attr.ints('kernel_shape', [2, 2])])] },
      { opset: 19, nodes: [node('Cast', ['x'], ['c'], [attr.int('to', 1), attr.int('saturate', 1)]), node('AveragePool', ['c'], ['y'], [attr.ints('kernel_shape', [2, 2]), attr.ints('dilations', [1, 1])])] },
    ],
  },
];

describe('version adapter: the same model at old and new opsets', () => {
  for (const c of CASES) it(c.name, () => expectSameAcrossVersions(c));
});

describe('shape chains exporters write (Shape → Gather → Range, ConstantOfShape) fold to constants', () => {
  it('a positional ramp and a ones mask built from the input shape, at opset 11', async () => {
    const x = randn([2, 5], rng);
    const bytes = modelBytes({
      opset: 11,
      nodes: [
        node('Shape', ['x'], ['s']),
        node('Gather', ['s', 'one'], ['len']),
        node('Range', ['zero', 'len', 'one'], ['pos']),
        node('Cast', ['pos'], ['posf'], [attr.int('to', 1)]),
        node('ConstantOfShape', ['s'], ['ones'], [attr.tensor('value', f32([1], [1]))]),
        node('Mul', ['x', 'ones'], ['xm']),
        node('Add', ['xm', 'posf'], ['y']),
      ],
      inputs: [valueMsg('x', 'float32', [2, 5])],
      outputs: [untyped('y') as ReturnType<typeof valueMsg>],
      initializers: [['zero', i64([], [0])], ['one', i64([], [1])]],
    });
    const g = importOnnx(bytes);
    expect(g.nodes.map((n) => n.op)).toEqual(['Mul', 'Add']);
    expect(closeness(values((await run(toOnnxBytes(g), { x })).y), values((await run(bytes, { x })).y))).toBeLessThan(1);
    const r = await checkGradients(g, { wrt: ['x'], feeds: { x }, backend: nodeBackend });
    expect(describeFailures(r)).toBe('');
  });
});

describe('If with a condition known from static shapes', () => {
  const branch = (op: string, out: string) => ({ node: [node(op, ['x'], [out])], output: [untyped(out)], name: op });
  const ifModel = (cond: string, extra: NodeMsg[] = [], inputs = [valueMsg('x', 'float32', [2, 3])]) =>
    modelBytes({
      opset: 11,
      nodes: [
        ...extra,
        { ...node('If', [cond], ['y'], [], 'if1'), attribute: [{ name: 'then_branch', type: 5, g: branch('Relu', 'r') }, { name: 'else_branch', type: 5, g: branch('Neg', 'n') }] },
      ] as NodeMsg[],
      inputs,
      outputs: [untyped('y') as ReturnType<typeof valueMsg>],
    });

  it('replays the taken branch, reading outer values, and differentiates through it', async () => {
    const x = randn([2, 3], rng);
    const shapeTest = [node('Shape', ['x'], ['s']), node('Gather', ['s', 'zero'], ['d0']), node('Equal', ['d0', 'two'], ['cond'])];
    const bytes = modelBytes({
      opset: 11,
      nodes: [
        ...shapeTest,
        { ...node('If', ['cond'], ['y'], [], 'if1'), attribute: [{ name: 'then_branch', type: 5, g: branch('Tanh', 't') }, { name: 'else_branch', type: 5, g: branch('Neg', 'n') }] },
      ] as NodeMsg[],
      inputs: [valueMsg('x', 'float32', [2, 3])],
      outputs: [untyped('y') as ReturnType<typeof valueMsg>],
      initializers: [['zero', i64([], [0])], ['two', i64([], [2])]],
    });
    const g = importOnnx(bytes);
    expect(g.nodes.map((n) => n.op)).toEqual(['Tanh', 'Identity']);
    const want = (await run(bytes, { x })).y;
    const got = (await run(toOnnxBytes(g), { x })).y;
    expect(closeness(values(got), values(want))).toBeLessThan(1);
    const r = await checkGradients(g, { wrt: ['x'], feeds: { x }, backend: nodeBackend });
    expect(describeFailures(r)).toBe('');
  });

  it('refuses a condition that depends on run-time values, naming the node', () => {
    const bytes = ifModel('c', [], [valueMsg('x', 'float32', [2, 3]), valueMsg('c', 'bool', [])]);
    expect(() => importOnnx(bytes)).toThrow(/If "if1" \(opset 11\): the condition depends on run-time values/);
  });
});

describe('version adapter: clear refusals', () => {
  it('names the node and opset of a training-mode BatchNormalization', () => {
    const bytes = modelBytes({
      opset: 15,
      nodes: [node('BatchNormalization', ['x', 's', 's', 's', 's'], ['y'], [attr.int('training_mode', 1)], 'bn1')],
      inputs: [valueMsg('x', 'float32', [1, 2, 2, 2])],
      outputs: [valueMsg('y', 'float32', [1, 2, 2, 2])],
      initializers: [['s', f32([2], [1, 1])]],
    });
    expect(() => importOnnx(bytes)).toThrow(/BatchNormalization "bn1" \(opset 15\).*training/);
  });

  it('refuses opsets outside 7–21 saying which it reads', () => {
    for (const opset of [6, 22]) {
      const bytes = modelBytes({ opset, nodes: [node('Relu', ['x'], ['y'])], inputs: [valueMsg('x', 'float32', [2])], outputs: [valueMsg('y', 'float32', [2])] });
      expect(() => importOnnx(bytes)).toThrow(new RegExp(`opset ${opset}.*7–21`));
    }
  });
});
