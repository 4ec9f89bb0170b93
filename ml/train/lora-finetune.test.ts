// Proof that LoRA fine-tuning works end to end: the test first trains a small conv net to imitate
// a random "teacher" (the pretrained base), then switches to a different teacher and trains only
// the LoRA A/B weights. The new loss must fall, and every base weight must stay bit-identical.
import { describe, expect, it } from 'vitest';
import { GraphBuilder, type Value } from '../builder.ts';
import { silu } from '../nn/activation.ts';
import { Conv2d } from '../nn/conv.ts';
import { mseLoss } from '../nn/functional.ts';
import { Linear } from '../nn/linear.ts';
import { baseNames, injectLora, loraNames } from '../nn/lora.ts';
import { Module, type Parent } from '../nn/module.ts';
import { Params } from '../nn/params.ts';
import { backend, run } from '../nn/testing.ts';
import { Adam } from '../optim/adam.ts';
import { randn, Rng } from '../random.ts';
import type { Tensor } from '../tensor.ts';
import { Trainer } from './trainer.ts';

/** Image [N, 3, 8, 8] → conv → SiLU → stride-2 conv → SiLU → global mean → Linear head [N, 4]. */
class Net extends Module {
  conv1 = new Conv2d(this, 'conv1', 3, 8, 3, { padding: 1 });
  conv2 = new Conv2d(this, 'conv2', 8, 8, 3, { stride: 2, padding: 1 });
  head = new Linear(this, 'head', 8, 4);
  constructor(parent: Parent, name: string) {
    super(parent, name);
  }
  forward(x: Value): Value {
    const h = silu(this.conv2.forward(silu(this.conv1.forward(x))));
    return this.head.forward(this.b.op1('ReduceMean', [h], { axes: [2, 3], keepdims: 0 }));
  }
}

const N = 32;

/** Targets from a teacher: the same architecture with its own seeded weights. */
async function teacher(seed: number, x: Tensor): Promise<Tensor> {
  const b = new GraphBuilder('teacher');
  const p = new Params(b, { seed });
  const net = new Net(p, 'net');
  b.output(net.forward(b.input('x', 'float32', [N, 3, 8, 8])), 'y');
  // Teacher weights scaled up so its outputs vary with the input enough to be worth fitting.
  const w = p.initial();
  for (const t of Object.values(w)) (t.data as Float32Array).forEach((v, i, a) => (a[i] = v * 2.5));
  return (await run(b, { ...w, x })).y;
}

const bitsOf = (t: Tensor) => Array.from(new Uint32Array((t.data as Float32Array).slice().buffer));

describe('LoRA fine-tune', () => {
  it('lowers the loss on a new target by training only A/B, leaving every base weight bit-identical', async () => {
    const b = new GraphBuilder('student');
    const p = new Params(b, { seed: 1 });
    const net = new Net(p, 'net');
    const adapted = injectLora(net, { rank: 2, alpha: 2 });
    expect(adapted).toEqual(['net.conv1', 'net.conv2', 'net.head']);
    const x = b.input('x', 'float32', [N, 3, 8, 8]);
    const target = b.input('target', 'float32', [N, 4]);
    b.output(mseLoss(net.forward(x), target), 'loss');
    const graph = b.build();

    const rng = new Rng(3);
    const xs = Array.from({ length: 4 }, () => randn([N, 3, 8, 8], rng));
    const [tA, tB] = [await Promise.all(xs.map((v) => teacher(11, v))), await Promise.all(xs.map((v) => teacher(12, v)))];

    // 1. "Pretraining": fit the base weights to teacher A (LoRA B is zero, so the adapters are inert).
    const pre = await Trainer.create({ graph, loss: 'loss', trainable: baseNames(p), params: p.initial(), optimizer: new Adam({ lr: 1e-2 }), backend });
    let base: Record<string, Tensor>;
    const preLoss: number[] = [];
    try {
      for (let s = 0; s < 300; s++) preLoss.push(await pre.step({ x: xs[s % 4], target: tA[s % 4] }));
      base = pre.params;
    } finally {
      await pre.release();
    }
    expect(preLoss.at(-1)!).toBeLessThan(preLoss[0] / 3);

    // 2. Fine-tune on teacher B, training only the LoRA weights.
    const wrt = loraNames(p);
    expect(wrt).toHaveLength(6);
    const ft = await Trainer.create({ graph, loss: 'loss', trainable: wrt, params: base, optimizer: new Adam({ lr: 1e-2 }), backend });
    try {
      const evalB = async () => {
        let s = 0;
        for (let i = 0; i < 4; i++) s += await ft.evaluate({ x: xs[i], target: tB[i] });
        return s / 4;
      };
      const before = await evalB();
      for (let s = 0; s < 300; s++) await ft.step({ x: xs[s % 4], target: tB[s % 4] });
      const after = await evalB();
      console.log(
        `LoRA fine-tune: pretrain loss ${preLoss[0].toFixed(4)} → ${preLoss.at(-1)!.toFixed(4)}; ` +
          `new-target loss ${before.toFixed(4)} → ${after.toFixed(4)} (${(before / after).toFixed(1)}×), ` +
          `${p.count({ tag: 'lora' })} LoRA vs ${p.count({ without: 'lora' })} base weights`,
      );
      expect(after).toBeLessThan(before / 2);
      for (const n of baseNames(p)) expect(bitsOf(ft.params[n]), n).toEqual(bitsOf(base[n]));
      // The adapters did move: B is no longer zero.
      expect((ft.params['net.head.lora_B.weight'].data as Float32Array).some((v) => v !== 0)).toBe(true);
    } finally {
      await ft.release();
    }
  }, 120_000);
});
