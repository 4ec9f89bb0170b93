import { describe, expect, it } from 'vitest';
import { GraphBuilder } from '../builder.ts';
import { mseLoss } from '../nn/functional.ts';
import { Linear } from '../nn/linear.ts';
import { Params } from '../nn/params.ts';
import { backend } from '../nn/testing.ts';
import { Sgd } from '../optim/sgd.ts';
import { randn, Rng } from '../random.ts';
import { configureWasm, webBackend } from '../session/web.ts';
import type { Tensor } from '../tensor.ts';
import { Trainer } from './trainer.ts';

const data = (t: Tensor) => t.data as Float32Array;

/** y = fc2(fc1(x)): a linear model in two layers so one can be frozen. */
function model() {
  const b = new GraphBuilder('reg');
  const p = new Params(b, { seed: 1 });
  const fc1 = new Linear(p, 'fc1', 3, 2, { bias: false });
  const fc2 = new Linear(p, 'fc2', 2, 1);
  const x = b.input('x', 'float32', [8, 3]);
  const t = b.input('t', 'float32', [8, 1]);
  b.output(mseLoss(fc2.forward(fc1.forward(x)), t), 'loss');
  return { graph: b.build(), p };
}

describe('Trainer', () => {
  it('feeds weights and batch, applies the optimizer to the exact gradient, and leaves frozen weights alone', async () => {
    const { graph, p } = model();
    const start = p.initial();
    const rng = new Rng(5);
    const batch = { x: randn([8, 3], rng), t: randn([8, 1], rng) };
    const lr = 0.1;
    const tr = await Trainer.create({ graph, loss: 'loss', trainable: ['fc2.weight', 'fc2.bias'], params: start, optimizer: new Sgd({ lr }), backend });
    try {
      const before = await tr.evaluate(batch);
      // Reference: h = x·W1ᵀ, y = h·W2ᵀ + b, L = mean((y − t)²); dL/dW2 = 2/n Σ (y−t)·h, dL/db = 2/n Σ (y−t).
      const [x, t, w1, w2, b2] = [data(batch.x), data(batch.t), data(start['fc1.weight']), data(start['fc2.weight']), data(start['fc2.bias'])];
      let loss = 0;
      const gw = [0, 0];
      let gb = 0;
      for (let i = 0; i < 8; i++) {
        const h = [0, 1].map((o) => x[i * 3] * w1[o * 3] + x[i * 3 + 1] * w1[o * 3 + 1] + x[i * 3 + 2] * w1[o * 3 + 2]);
        const r = h[0] * w2[0] + h[1] * w2[1] + b2[0] - t[i];
        loss += (r * r) / 8;
        gw[0] += (2 / 8) * r * h[0];
        gw[1] += (2 / 8) * r * h[1];
        gb += (2 / 8) * r;
      }
      expect(before).toBeCloseTo(loss, 5);
      const stepLoss = await tr.step(batch);
      expect(stepLoss).toBeCloseTo(loss, 5);
      expect(data(tr.params['fc2.weight'])[0]).toBeCloseTo(w2[0] - lr * gw[0], 5);
      expect(data(tr.params['fc2.weight'])[1]).toBeCloseTo(w2[1] - lr * gw[1], 5);
      expect(data(tr.params['fc2.bias'])[0]).toBeCloseTo(b2[0] - lr * gb, 5);
      // Frozen weights (constants of the model now) stay as they were; the caller's starting tensors are copied, not updated.
      expect(data(tr.params['fc1.weight'])).toEqual(w1);
      expect(data(start['fc2.weight'])).toEqual(data(p.initial()['fc2.weight']));
      for (let i = 0; i < 30; i++) await tr.step(batch);
      expect(tr.steps).toBe(31);
      expect(await tr.evaluate(batch)).toBeLessThan(before);
    } finally {
      await tr.release();
    }
  });

  it('is backend-agnostic: onnxruntime-web (wasm) follows the same trajectory as onnxruntime-node', async () => {
    configureWasm({ threads: 1 });
    const rng = new Rng(9);
    const batch = { x: randn([8, 3], rng), t: randn([8, 1], rng) };
    const trajectory = async (be: typeof backend) => {
      const { graph, p } = model();
      const tr = await Trainer.create({ graph, loss: 'loss', trainable: p.names(), params: p.initial(), optimizer: new Sgd({ lr: 0.05 }), backend: be });
      try {
        const losses: number[] = [];
        for (let i = 0; i < 10; i++) losses.push(await tr.step(batch));
        return losses;
      } finally {
        await tr.release();
      }
    };
    const [n, w] = [await trajectory(backend), await trajectory(webBackend)];
    expect(n[9]).toBeLessThan(n[0]);
    n.forEach((v, i) => expect(w[i]).toBeCloseTo(v, 5));
  });

  it('names what is missing', async () => {
    const { graph, p } = model();
    const opts = { graph, loss: 'loss', params: p.initial(), optimizer: new Sgd({ lr: 0.1 }), backend };
    await expect(Trainer.create({ ...opts, trainable: ['nope'] })).rejects.toThrow(/"nope" has no starting value/);
    const tr = await Trainer.create({ ...opts, trainable: ['fc1.weight'] });
    try {
      await expect(tr.step({ x: randn([8, 3], new Rng(1)) })).rejects.toThrow(/no value for input t/);
    } finally {
      await tr.release();
    }
  });
});
