import { describe, expect, it } from 'vitest';
import { f32, randn, Rng, type Tensor, toOnnxBytes } from '../../ml/index.ts';
import { backend } from '../../ml/nn/testing.ts';
import { paramShapes } from '../pack/spec.ts';
import { buildVaeDecode, buildVaeEncode, buildVaeReconstruct, buildVaeTraining, latentSide, VAE_CONFIG, vaeConfigSchema, type VaeConfig, vaeParams } from './vae.ts';

// A small config with the same structure, so the numeric checks run in a blink.
const tiny: VaeConfig = { ...VAE_CONFIG, resolution: 16, channels: [8, 16, 16], groups: 4 };

async function run(graph: ReturnType<typeof buildVaeEncode>['graph'], feeds: Record<string, Tensor>) {
  const s = await backend.create(toOnnxBytes(graph));
  try {
    return await s.run(feeds);
  } finally {
    await s.release();
  }
}

describe('KL autoencoder', () => {
  it('maps 64×64×3 to a 4×16×16 latent and back, under 4 MB of float32 weights', () => {
    expect(vaeConfigSchema.parse(VAE_CONFIG)).toEqual(VAE_CONFIG);
    expect(latentSide(VAE_CONFIG)).toBe(16);
    const enc = buildVaeEncode(VAE_CONFIG, 2);
    const dec = buildVaeDecode(VAE_CONFIG, 2);
    expect(enc.graph.values.get('mean')?.shape).toEqual([2, 4, 16, 16]);
    expect(enc.graph.values.get('logvar')?.shape).toEqual([2, 4, 16, 16]);
    expect(dec.graph.values.get('image')?.shape).toEqual([2, 3, 64, 64]);
    const { p } = vaeParams(VAE_CONFIG);
    expect(p.count() * 4).toBeLessThan(4e6);
    // The pack's weights feed both graphs: encoder ∪ decoder weights are exactly the architecture's.
    const names = [...enc.params.names(), ...dec.params.names()].sort();
    expect(names).toEqual(Object.keys(paramShapes(p)).sort());
    for (const n of enc.params.names()) expect(enc.params.get(n).init.shape).toEqual(p.get(n).init.shape);
  });

  it('its training loss is L1 + MSE + weighted KL of the encoder outputs (with eps = 0, z is the mean)', async () => {
    const B = 2;
    const { graph, params } = buildVaeTraining(tiny, B, { klWeight: 0.1, mseWeight: 0.5 });
    const w = params.initial();
    const rng = new Rng(5);
    const image = randn([B, 3, 16, 16], rng, 0.5);
    const side = latentSide(tiny);
    const eps = f32([B, 4, side, side]);
    const out = await run(graph, { ...w, image, eps });
    const rec = await run(buildVaeReconstruct(tiny, B).graph, { ...w, image });
    const encOut = await run(buildVaeEncode(tiny, B).graph, { ...Object.fromEntries(Object.entries(w).filter(([k]) => k.startsWith('vae.encoder.'))), image });
    const x = image.data as Float32Array;
    const y = rec.image_out.data as Float32Array;
    let l1 = 0;
    let l2 = 0;
    for (let i = 0; i < x.length; i++) {
      l1 += Math.abs(y[i] - x[i]);
      l2 += (y[i] - x[i]) ** 2;
    }
    l1 /= x.length;
    l2 /= x.length;
    const m = encOut.mean.data as Float32Array;
    const lv = encOut.logvar.data as Float32Array;
    let kl = 0;
    for (let i = 0; i < m.length; i++) kl += 0.5 * (m[i] ** 2 + Math.exp(lv[i]) - 1 - lv[i]);
    kl /= m.length;
    expect(out.rec.data[0]).toBeCloseTo(l1, 5);
    expect(out.mse.data[0]).toBeCloseTo(l2, 5);
    expect(out.kl.data[0]).toBeCloseTo(kl, 5);
    expect(out.loss.data[0]).toBeCloseTo(l1 + 0.5 * l2 + 0.1 * kl, 5);
    expect(Array.from(rec.mean.data as Float32Array)).toEqual(Array.from(m));
  });

  it('samples around the mean: with eps ≠ 0 the reconstruction term changes, the KL does not', async () => {
    const B = 1;
    const { graph, params } = buildVaeTraining(tiny, B);
    const w = params.initial();
    const image = randn([B, 3, 16, 16], new Rng(9), 0.5);
    const side = latentSide(tiny);
    const a = await run(graph, { ...w, image, eps: f32([B, 4, side, side]) });
    const b = await run(graph, { ...w, image, eps: randn([B, 4, side, side], new Rng(1)) });
    expect(b.kl.data[0]).toBeCloseTo(a.kl.data[0] as number, 6);
    expect(b.rec.data[0]).not.toBeCloseTo(a.rec.data[0] as number, 4);
  });
});
