import { describe, expect, it } from 'vitest';
import { f32, Rng, type Tensor } from '../../ml/index.ts';
import { nodeBackend } from '../../ml/session/node.ts';
import { ganConfigSchema } from './config.ts';
import { GanTrainer } from './train-step.ts';

const c = ganConfigSchema.parse({ resolution: 16, zDim: 8, wDim: 16, mappingLayers: 2, classes: 2, channels: [16, 8, 8], dChannels: [8, 8, 16], mbstdGroup: 2 });
const hyper = { batch: 4, lr: 0.002, r1Gamma: 1, r1Interval: 4, emaHalfLifeImages: 40 };

/** Four real images: two red discs (class 0) and two blue squares (class 1), in [−1, 1]. */
function realBatch(): { images: Tensor; classes: Tensor } {
  const img = new Float32Array(4 * 3 * 16 * 16).fill(1);
  for (let k = 0; k < 4; k++)
    for (let y = 0; y < 16; y++)
      for (let x = 0; x < 16; x++) {
        const inside = k < 2 ? (x - 7.5) ** 2 + (y - 7.5) ** 2 < 30 : x > 3 && x < 12 && y > 3 && y < 12;
        if (!inside) continue;
        const rgb = k < 2 ? [1, -1, -1] : [-1, -1, 1];
        rgb.forEach((v, ch) => (img[((k * 3 + ch) * 16 + y) * 16 + x] = v));
      }
  return { images: f32([4, 3, 16, 16], img), classes: f32([4, 2], [1, 0, 1, 0, 0, 1, 0, 1]) };
}

describe('GAN training iteration', () => {
  it('trains both players, runs R1 every interval, and resumes bit-identically from its state', async () => {
    const { images, classes } = realBatch();
    const t = await GanTrainer.create({ config: c, hyper, backend: nodeBackend, threads: 1 });
    const initial = Object.fromEntries(Object.entries(t.params).map(([k, v]) => [k, { ...v, data: v.data.slice() }]));
    const rng = new Rng(7);
    const stats = [];
    try {
      for (let i = 0; i < 10; i++) stats.push(await t.step(images, classes, rng));
      for (const s of stats) for (const v of [s.dLoss, s.gLoss, s.realScore, s.fakeScore]) expect(Number.isFinite(v)).toBe(true);
      expect(stats.map((s) => s.r1 !== undefined)).toEqual([true, false, false, false, true, false, false, false, true, false]);
      // Both players moved: each optimizer changed its own weights (and only its own: the
      // generator's step feeds the discriminator's weights without training them).
      const moved = (n: string) => (t.params[n].data as Float32Array).some((v, i) => v !== (initial[n].data as Float32Array)[i]);
      expect(moved('g.synthesis.const') && moved('g.mapping.fc0.weight') && moved('d.fromrgb.weight') && moved('d.epilogue.out.weight')).toBe(true);
      // The EMA lags the weights but has moved from the start.
      const name = 'g.synthesis.b16.conv1.conv.weight';
      const w = t.params[name].data as Float32Array;
      expect(t.ema[name].some((v, i) => v !== w[i])).toBe(true);

      // Resume: a new trainer from the weights and state continues exactly as this one does.
      const state = t.state();
      const resumed = await GanTrainer.create({ config: c, hyper, backend: nodeBackend, threads: 1, params: t.params });
      try {
        resumed.load(state);
        const [a, b] = [await t.step(images, classes, new Rng(99)), await resumed.step(images, classes, new Rng(99))];
        expect(b).toEqual(a);
        expect(resumed.params[name].data).toEqual(t.params[name].data);
      } finally {
        await resumed.release();
      }
    } finally {
      await t.release();
    }
  });

  it('stops with a message naming the loss when training diverges', async () => {
    const { images, classes } = realBatch();
    const t = await GanTrainer.create({ config: c, hyper: { ...hyper, lr: 1e6 }, backend: nodeBackend, threads: 1 });
    try {
      const rng = new Rng(1);
      await expect(async () => {
        for (let i = 0; i < 30; i++) await t.step(images, classes, rng);
      }).rejects.toThrow(/GAN training diverged: the (discriminator|generator) loss|R1 penalty/);
    } finally {
      await t.release();
    }
  });
});
