// Proof that the pieces train: a small convolutional autoencoder (16×16×3 → 4×4×4 latent → back,
// stride-2 convs down, a ConvTranspose and a nearest Resize up) learns to reconstruct generated
// images with Adam. One ORT thread; the whole run is a few seconds.
import { describe, expect, it } from 'vitest';
import { GraphBuilder, type Value } from '../builder.ts';
import { silu } from '../nn/activation.ts';
import { Conv2d, ConvTranspose2d } from '../nn/conv.ts';
import { mseLoss, upsampleNearest } from '../nn/functional.ts';
import { Module, type Parent } from '../nn/module.ts';
import { GroupNorm } from '../nn/norm.ts';
import { Params } from '../nn/params.ts';
import { backend } from '../nn/testing.ts';
import { Adam } from '../optim/adam.ts';
import { Rng } from '../random.ts';
import type { Tensor } from '../tensor.ts';
import { shapeImages } from './synthetic.ts';
import { Trainer } from './trainer.ts';

class AutoEncoder extends Module {
  enc1 = new Conv2d(this, 'enc1', 3, 16, 3, { stride: 2, padding: 1 }); // 16 → 8
  norm = new GroupNorm(this, 'norm', 4, 16);
  enc2 = new Conv2d(this, 'enc2', 16, 32, 3, { stride: 2, padding: 1 }); // 8 → 4
  latent = new Conv2d(this, 'latent', 32, 4, 1);
  dec1 = new Conv2d(this, 'dec1', 4, 32, 3, { padding: 1 });
  up1 = new ConvTranspose2d(this, 'up1', 32, 16, 4, { stride: 2, padding: 1 }); // 4 → 8
  dec2 = new Conv2d(this, 'dec2', 16, 3, 3, { padding: 1 });

  constructor(parent: Parent, name: string) {
    super(parent, name);
  }

  encode(x: Value): Value {
    return this.latent.forward(silu(this.enc2.forward(silu(this.norm.forward(this.enc1.forward(x))))));
  }

  decode(z: Value): Value {
    const h = silu(this.up1.forward(silu(this.dec1.forward(z))));
    return this.dec2.forward(upsampleNearest(h, 2)); // 8 → 16
  }
}

const BATCH = 16;

function build() {
  const b = new GraphBuilder('ae');
  const p = new Params(b, { seed: 1 });
  const ae = new AutoEncoder(p, 'ae');
  const x = b.input('x', 'float32', [BATCH, 3, 16, 16]);
  const z = ae.encode(x);
  const y = ae.decode(z);
  b.output(mseLoss(y, x), 'loss');
  return { graph: b.build(), p, z, y };
}

/** MSE of predicting each image's own mean colour: what an autoencoder that learned no shapes gets. */
function meanColourMse(t: Tensor): number {
  const d = t.data as Float32Array;
  const plane = 256;
  let s = 0;
  for (let k = 0; k < d.length / plane; k++) {
    const ch = d.subarray(k * plane, (k + 1) * plane);
    const m = ch.reduce((a, v) => a + v, 0) / plane;
    for (const v of ch) s += (v - m) ** 2;
  }
  return s / d.length;
}

describe('conv autoencoder', () => {
  it('reconstruction loss falls more than 5× in a few hundred Adam steps', async () => {
    const { graph, p, z, y } = build();
    expect(z.shape).toEqual([BATCH, 4, 4, 4]);
    expect(y.shape).toEqual([BATCH, 3, 16, 16]);
    const rng = new Rng(42);
    const train = Array.from({ length: 16 }, () => shapeImages(BATCH, rng, { size: 16 }));
    const held = shapeImages(BATCH, new Rng(7), { size: 16 });
    const opt = new Adam({ lr: 3e-3 });
    const tr = await Trainer.create({ graph, loss: 'loss', trainable: p.names(), params: p.initial(), optimizer: opt, backend });
    const t0 = performance.now();
    try {
      const before = await tr.evaluate({ x: held });
      const steps = 400;
      const losses: number[] = [];
      for (let s = 0; s < steps; s++) {
        if (s === 300) opt.lr = 1e-3;
        losses.push(await tr.step({ x: train[s % train.length] }));
      }
      const after = await tr.evaluate({ x: held });
      const baseline = meanColourMse(held);
      const ms = performance.now() - t0;
      console.log(
        `autoencoder: held-out MSE ${before.toFixed(4)} → ${after.toFixed(4)} (${(before / after).toFixed(1)}×) in ${steps} steps, ` +
          `${(ms / 1000).toFixed(1)} s; train loss ${losses[0].toFixed(4)} → ${losses[steps - 1].toFixed(4)}; mean-colour baseline ${baseline.toFixed(4)}`,
      );
      expect(before / after).toBeGreaterThan(5);
      // It learned more than each image's average colour: shapes and gradients come through the 4×4 latent.
      expect(after).toBeLessThan(baseline);
    } finally {
      await tr.release();
    }
  }, 120_000);
});
