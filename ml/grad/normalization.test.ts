import { describe, expect, it } from 'vitest';
import { GraphBuilder } from '../builder.ts';
import type { Graph } from '../ir.ts';
import { toOnnxBytes } from '../onnx/serialize.ts';
import { randn, Rng } from '../random.ts';
import { nodeBackend } from '../session/node.ts';
import { configureWasm, webBackend } from '../session/web.ts';
import { f32, type Tensor } from '../tensor.ts';
import { checkGradients, describeFailures } from './check.ts';
import { grad } from './grad.ts';

const randomShape = (rng: Rng, minRank: number, maxRank: number, maxDim = 4) =>
  Array.from({ length: minRank + rng.int(maxRank - minRank + 1) }, () => 2 + rng.int(maxDim - 1));

async function expectGradientsMatch(
  graph: Graph,
  wrt: string[],
  feeds: Record<string, Tensor>,
  what: string,
  output?: string,
  eps?: number,
) {
  const r = await checkGradients(graph, { wrt, feeds, backend: nodeBackend, output, eps });
  expect(describeFailures(r), what).toBe('');
  expect(r.length).toBe(3 * wrt.length);
}

describe('softmax gradients', () => {
  for (const op of ['Softmax', 'LogSoftmax'])
    it(`${op} matches finite differences over random shapes and axes`, async () => {
      const rng = new Rng(op.length);
      for (let t = 0; t < 4; t++) {
        const shape = randomShape(rng, 1, 4);
        const axis = rng.int(shape.length) - (rng.next() < 0.5 ? shape.length : 0);
        const b = new GraphBuilder(op);
        b.output(b.op1(op, [b.input('x', 'float32', shape)], { axis }), 'y');
        await expectGradientsMatch(b.build(), ['x'], { x: randn(shape, rng, 2) }, `${op} [${shape}] axis ${axis}`);
      }
    });
});

function layerNormGraph(shape: number[], axis: number, scaleShape: number[], withB: boolean, epsilon?: number) {
  const b = new GraphBuilder('ln');
  const x = b.input('x', 'float32', shape);
  const scale = b.input('scale', 'float32', scaleShape);
  const bias = withB ? b.input('bias', 'float32', scaleShape) : null;
  const [y, mean, inv] = b.op('LayerNormalization', [x, scale, bias], { axis, epsilon }, { outputs: 3 });
  b.output(y, 'y');
  b.output(mean, 'mean');
  b.output(inv, 'inv');
  // All three outputs feeding one loss: Y + Mean·InvStdDev.
  b.output(b.op1('Add', [y, b.op1('Mul', [mean, inv])]), 'all');
  return b.build();
}

describe('LayerNormalization gradients', () => {
  it('match finite differences for X, Scale and B over random shapes and axes', async () => {
    const rng = new Rng(17);
    for (let t = 0; t < 6; t++) {
      const shape = randomShape(rng, 1, 4);
      const axis = rng.int(shape.length) - (rng.next() < 0.5 ? shape.length : 0);
      const normShape = shape.slice(axis < 0 ? axis + shape.length : axis);
      // The normalized shape, or a broadcasting form onnxruntime accepts: a suffix of it, or X's shape with some dims 1.
      const pick = rng.next();
      const scaleShape =
        pick < 0.4 ? normShape : pick < 0.6 && normShape.length > 1 ? normShape.slice(1) : shape.map((d) => (rng.next() < 0.5 ? 1 : d));
      const withB = rng.next() < 0.7;
      const graph = layerNormGraph(shape, axis, scaleShape, withB, rng.next() < 0.5 ? 1e-3 : undefined);
      const feeds: Record<string, Tensor> = { x: randn(shape, rng, 2), scale: randn(scaleShape, rng) };
      if (withB) feeds.bias = randn(scaleShape, rng);
      const wrt = withB ? ['x', 'scale', 'bias'] : ['x', 'scale'];
      const what = `[${shape}] axis ${axis} scale [${scaleShape}]`;
      // A smaller step than the default: over a normalized slice of 2 elements x̂ bends sharply.
      const eps = 3e-3;
      await expectGradientsMatch(graph, wrt, feeds, `${what} Y`, 'y', eps);
      await expectGradientsMatch(graph, ['x'], feeds, `${what} Mean`, 'mean', eps);
      await expectGradientsMatch(graph, ['x'], feeds, `${what} InvStdDev`, 'inv', eps);
      await expectGradientsMatch(graph, wrt, feeds, `${what} all outputs`, 'all', eps);
    }
  });

  it('runs on onnxruntime-web (wasm) and agrees with onnxruntime-node to 1e-5', async () => {
    configureWasm({ threads: 1 });
    const rng = new Rng(99);
    const shape = [3, 4, 6];
    const g = grad(layerNormGraph(shape, -1, [6], true), { loss: 'y', wrt: ['x', 'scale', 'bias'], seed: 'input' });
    const feeds = { x: randn(shape, rng, 2), scale: randn([6], rng), bias: randn([6], rng), y_seed: randn(shape, rng) };
    const bytes = toOnnxBytes(g);
    const results = [];
    for (const backend of [nodeBackend, webBackend]) {
      const s = await backend.create(bytes);
      results.push(await s.run(feeds, ['x_grad', 'scale_grad', 'bias_grad']));
      await s.release();
    }
    const [native, wasm] = results;
    for (const name of ['x_grad', 'scale_grad', 'bias_grad']) {
      const a = native[name].data as Float32Array;
      const w = wasm[name].data as Float32Array;
      expect(w.length).toBe(a.length);
      expect(a.some((v) => v !== 0)).toBe(true);
      for (let i = 0; i < a.length; i++) expect(Math.abs(a[i] - w[i]), `${name}[${i}]`).toBeLessThanOrEqual(1e-5);
    }
  });
});

describe('InstanceNormalization gradients', () => {
  it('match finite differences for input, scale and B', async () => {
    const rng = new Rng(23);
    for (let t = 0; t < 3; t++) {
      const shape = randomShape(rng, 3, 4);
      const c = shape[1];
      const b = new GraphBuilder('in');
      const x = b.input('x', 'float32', shape);
      const epsilon = t === 0 ? 1e-2 : undefined;
      b.output(b.op1('InstanceNormalization', [x, b.input('s', 'float32', [c]), b.input('b', 'float32', [c])], { epsilon }), 'y');
      const feeds = { x: randn(shape, rng, 2), s: randn([c], rng), b: randn([c], rng) };
      await expectGradientsMatch(b.build(), ['x', 's', 'b'], feeds, `[${shape}]`);
    }
  });
});

describe('group norm as PyTorch exports it below opset 18', () => {
  it('Reshape → InstanceNormalization → Reshape → Mul gamma → Add beta: gradients to x, gamma, beta', async () => {
    const [n, ch, g, h, w] = [2, 6, 3, 5, 5];
    const b = new GraphBuilder('group_norm');
    const x = b.input('x', 'float32', [n, ch, h, w]);
    const gamma = b.input('gamma', 'float32', [ch, 1, 1]);
    const beta = b.input('beta', 'float32', [ch, 1, 1]);
    const grouped = b.op1('Reshape', [x, b.ints([n, g, -1])]);
    const ones = b.constant(f32([g], new Array(g).fill(1)));
    const zeros = b.constant(f32([g]));
    const normed = b.op1('InstanceNormalization', [grouped, ones, zeros], { epsilon: 1e-5 });
    const back = b.op1('Reshape', [normed, b.ints([n, ch, h, w])]);
    b.output(b.op1('Add', [b.op1('Mul', [back, gamma]), beta]), 'y');
    const rng = new Rng(6);
    const feeds = { x: randn([n, ch, h, w], rng, 2), gamma: randn([ch, 1, 1], rng), beta: randn([ch, 1, 1], rng) };
    await expectGradientsMatch(b.build(), ['x', 'gamma', 'beta'], feeds, 'group norm');
  });
});
