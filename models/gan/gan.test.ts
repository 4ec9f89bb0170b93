import { describe, expect, it } from 'vitest';
import { checkGradients, f32, Rng, randn, type Tensor, toOnnxBytes } from '../../ml/index.ts';
import { nodeBackend } from '../../ml/session/node.ts';
import { drawAugment, noAugment } from './augment.ts';
import { ganConfigSchema, noiseInputs, numWs } from './config.ts';
import { discriminatorTrainingGraph, generatorGraph, r1Graph } from './graphs.ts';

// A generator small enough for finite differences: 16×16, three levels.
const c = ganConfigSchema.parse({ resolution: 16, zDim: 8, wDim: 8, mappingLayers: 2, classes: 3, channels: [8, 6, 4], dChannels: [4, 6, 8], mbstdGroup: 2 });
const B = 2;

async function run(graph: Parameters<typeof toOnnxBytes>[0], feeds: Record<string, Tensor>, out: string) {
  const s = await nodeBackend.create(toOnnxBytes(graph));
  try {
    return (await s.run(feeds, [out]))[out].data as Float32Array;
  } finally {
    await s.release();
  }
}

const noises = (rng: Rng) => Object.fromEntries(noiseInputs(c).map(({ name, side }) => [name, randn([B, 1, side, side], rng)]));
const oneHot = (ks: number[]) => {
  const t = f32([ks.length, c.classes]);
  ks.forEach((k, i) => ((t.data as Float32Array)[i * c.classes + k] = 1));
  return t;
};

describe('GAN generator', () => {
  it('gives the same image from w, from W+ with that w at every layer, and from the styles of that W+', async () => {
    const rng = new Rng(1);
    const n = noises(rng);
    const fromW = generatorGraph(c, B, { space: 'w' });
    const weights = fromW.p.initial();
    const w = randn([B, c.wDim], rng);
    const ws = f32([B, numWs(c), c.wDim]);
    for (let k = 0; k < B; k++) for (let i = 0; i < numWs(c); i++) (ws.data as Float32Array).set((w.data as Float32Array).subarray(k * c.wDim, (k + 1) * c.wDim), (k * numWs(c) + i) * c.wDim);
    const a = await run(fromW.graph, { ...weights, ...n, w }, 'image');
    const b = await run(generatorGraph(c, B, { space: 'w+' }).graph, { ...weights, ...n, ws }, 'image');
    expect(a.length).toBe(B * 3 * 16 * 16);
    expect(Math.max(...a.map((v, i) => Math.abs(v - b[i])))).toBeLessThan(1e-5);
    // The S space: feed each layer's style as the affine layer computes it.
    const sGraph = generatorGraph(c, B, { space: 's' });
    const layers = sGraph.g.synthesis.styleLayers();
    const styles: Record<string, Tensor> = {};
    const W = (n: string) => weights[n].data as Float32Array;
    layers.forEach((l, i) => {
      const cin = l.conv.inChannels;
      const s = new Float32Array(B * cin);
      const aw = W(`${l.path}.affine.weight`);
      const ab = W(`${l.path}.affine.bias`);
      for (let k = 0; k < B; k++)
        for (let o = 0; o < cin; o++) {
          let acc = ab[o];
          for (let j = 0; j < c.wDim; j++) acc += (aw[o * c.wDim + j] / Math.sqrt(c.wDim)) * (w.data as Float32Array)[k * c.wDim + j];
          s[k * cin + o] = acc;
        }
      styles[`style_${i}`] = f32([B, cin], s);
    });
    const fromS = await run(sGraph.graph, { ...weights, ...n, ...styles }, 'image');
    expect(Math.max(...a.map((v, i) => Math.abs(v - fromS[i])))).toBeLessThan(1e-4);
  });

  it('truncation ψ = 0 maps every z of a class to the image of w_avg', async () => {
    const rng = new Rng(2);
    const n = noises(rng);
    const { graph, p } = generatorGraph(c, B, { space: 'z' });
    const wAvg = randn([c.wDim], rng);
    const feeds = { ...p.initial(), ...n, 'g.mapping.w_avg': wAvg, class: oneHot([0, 2]) };
    const img = (z: Tensor, psi: number) => run(graph, { ...feeds, z, psi: f32([1], [psi]) }, 'image');
    const [z1, z2] = [randn([B, c.zDim], rng), randn([B, c.zDim], rng)];
    const [a, b] = [await img(z1, 0), await img(z2, 0)];
    expect(Math.max(...a.map((v, i) => Math.abs(v - b[i])))).toBeLessThan(1e-6);
    const [a1, b1] = [await img(z1, 1), await img(z2, 1)];
    expect(Math.max(...a1.map((v, i) => Math.abs(v - b1[i])))).toBeGreaterThan(1e-3);
  });

  it('demodulates: each output channel of a modulated conv has unit weight norm per sample', async () => {
    // Scaling a layer's style by any factor leaves a demodulated layer's output unchanged.
    const rng = new Rng(3);
    const n = noises(rng);
    const sGraph = generatorGraph(c, B, { space: 's' });
    const layers = sGraph.g.synthesis.styleLayers();
    const styles = Object.fromEntries(layers.map((l, i) => [`style_${i}`, randn([B, l.conv.inChannels], rng)]));
    const feeds = { ...sGraph.p.initial(), ...n, ...styles };
    const a = await run(sGraph.graph, feeds, 'image');
    const conv = layers.findIndex((l) => l.path.endsWith('conv0.conv'));
    const scaled = { ...styles, [`style_${conv}`]: f32(styles[`style_${conv}`].shape, (styles[`style_${conv}`].data as Float32Array).map((v) => v * 3.5)) };
    const b = await run(sGraph.graph, { ...feeds, ...scaled }, 'image');
    expect(Math.max(...a.map((v, i) => Math.abs(v - b[i])))).toBeLessThan(1e-4);
    // toRGB is not demodulated: scaling its style changes the image.
    const rgb = layers.findIndex((l) => l.path.endsWith('torgb.conv'));
    const c2 = { ...styles, [`style_${rgb}`]: f32(styles[`style_${rgb}`].shape, (styles[`style_${rgb}`].data as Float32Array).map((v) => v * 2)) };
    const d = await run(sGraph.graph, { ...feeds, ...c2 }, 'image');
    expect(Math.max(...a.map((v, i) => Math.abs(v - d[i])))).toBeGreaterThan(1e-3);
  });
});

describe('DiffAugment', () => {
  it('the identity draw leaves images unchanged; a drawn one shifts, recolours and cuts out', async () => {
    const rng = new Rng(4);
    const { graph, p } = discriminatorTrainingGraph(c, B);
    const real = randn([B, 3, 16, 16], rng);
    const fake = randn([B, 3, 16, 16], rng);
    const base = { ...p.initial(), real, fake, real_class: oneHot([0, 1]), fake_class: oneHot([1, 2]) };
    const prefixed = (pre: string, a: Record<string, Tensor>) => Object.fromEntries(Object.entries(a).map(([k, v]) => [pre + k, v]));
    const plain = { ...base, ...prefixed('real_', noAugment(B, 16)), ...prefixed('fake_', noAugment(B, 16)) };
    const augmented = { ...base, ...prefixed('real_', drawAugment(rng, B, 16)), ...prefixed('fake_', drawAugment(rng, B, 16)) };
    const l0 = (await run(graph, plain, 'd_loss'))[0];
    const l1 = (await run(graph, augmented, 'd_loss'))[0];
    expect(Number.isFinite(l0) && Number.isFinite(l1)).toBe(true);
    expect(Math.abs(l0 - l1)).toBeGreaterThan(1e-6);
    // Each cutout mask zeroes a square of half the side (clipped at the border), nothing else.
    const a = drawAugment(new Rng(5), 8, 16);
    const cut = a.aug_cutout.data as Float32Array;
    for (let k = 0; k < 8; k++) {
      const zeros = cut.subarray(k * 256, (k + 1) * 256).filter((v) => v === 0).length;
      expect(zeros).toBeGreaterThan(0);
      expect(zeros).toBeLessThanOrEqual(64);
    }
    // Each shift matrix has at most one 1 per row.
    const sy = a.aug_shift_y.data as Float32Array;
    for (let r = 0; r < 8 * 16; r++) expect(sy.subarray(r * 16, r * 16 + 16).reduce((s, v) => s + v, 0)).toBeLessThanOrEqual(1);
  });
});

describe('R1 by double backward', () => {
  it("differentiates the discriminator's own gradient graph: ∂R1/∂weights matches finite differences", async () => {
    const rng = new Rng(6);
    const { graph, p } = r1Graph(c, B, { gamma: 1, interval: 1 });
    const aug = Object.fromEntries(Object.entries(noAugment(B, 16)).map(([k, v]) => [`real_${k}`, v]));
    const feeds = { ...p.initial(), ...aug, real: randn([B, 3, 16, 16], rng), real_class: oneHot([2, 0]) };
    const r1 = (await run(graph, feeds, 'r1'))[0];
    expect(r1).toBeGreaterThan(0);
    // Weights whose perturbation moves no leaky-ReLU input across its kink (R1 is only piecewise
    // smooth in the others, where float32 finite differences measure the kinks; the engine's own
    // double-backward test checks every weight of a smooth network).
    const wrt = ['d.b8.skip.weight', 'd.epilogue.out.weight', 'd.epilogue.cmap.weight'];
    const results = await checkGradients(graph, { wrt, feeds, backend: nodeBackend, output: 'r1', eps: 1e-3, rtol: 5e-2, atol: 1e-4, directions: 2 });
    expect(results.length).toBe(wrt.length * 2);
    for (const r of results) expect(r, `${r.name}: analytic ${r.analytic} vs numeric ${r.numeric}`).toMatchObject({ ok: true });
  });
});
