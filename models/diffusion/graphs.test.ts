// The text-to-image graphs on a tiny configuration: shapes, LoRA targets (an adapted UNet starts out
// computing exactly what the base does), the two routes from ids to context agreeing, the placeholder
// row mattering only to prompts that use it, and the gradient Textual Inversion needs.
import { describe, expect, it } from 'vitest';
import { f32, grad, type Graph, GraphBuilder, i64, loraNames, Params, randn, Rng, type Tensor, toOnnxBytes } from '../../ml/index.ts';
import { backend } from '../../ml/nn/testing.ts';
import { configFromArchitectures, scheduleFromArchitecture, textEncoderArchitecture, textEncoderWeightShapes, unetArchitecture, unetLoraTargets, unetWeightShapes } from './architecture.ts';
import { type DiffusionConfig, diffusionConfigSchema, textEncoderGraph, trainingGraph, unetGraph, unetTrainingGraph } from './graphs.ts';
import { TextToImage } from './pipeline.ts';
import { alphaBar, noiseSchedule } from './schedule.ts';
import { TextEncoder } from './text-encoder.ts';

const config: DiffusionConfig = diffusionConfigSchema.parse({
  text: { vocabSize: 12, maxLength: 5, dim: 16, layers: 2, heads: 2 },
  unet: { channels: [16, 32], attention: [false, true], groups: 4, contextDim: 16, heads: 2, latentSize: 8 },
});
const B = 2;

async function runGraph(graph: Graph, feeds: Record<string, Tensor>, fetch?: string[]) {
  const s = await backend.create(toOnnxBytes(graph));
  try {
    return await s.run(feeds, fetch);
  } finally {
    await s.release();
  }
}

describe('UNet graph', () => {
  it('maps latents [B, 4, 8, 8] to ε̂ of the same shape and takes LoRA on attention and ResBlock convs', async () => {
    const { graph, p } = unetGraph(config, B);
    expect(graph.values.get('eps')!.shape).toEqual([B, 4, 8, 8]);
    expect(Object.keys(unetWeightShapes(unetArchitecture(config.unet)))).toEqual(p.names());

    const targets = unetLoraTargets(config);
    expect(targets.attention).toContain('unet.mid_block.attentions.0.transformer_blocks.0.attn2.to_k');
    expect(targets.attention.filter((n) => n.includes('.attn'))).toHaveLength(targets.attention.length);
    expect(targets.conv).toContain('unet.down_blocks.0.resnets.0.conv1');
    // 1 down + 2 up transformers at level 1, 1 in the middle: 4 blocks × 2 attentions × 4 projections.
    expect(targets.attention).toHaveLength(32);

    const adapted = unetGraph(config, B, { lora: { rank: 2 } });
    const lora = loraNames(adapted.p);
    expect(lora).toHaveLength(2 * (targets.attention.length + targets.conv.length));
    const rng = new Rng(1);
    const feeds = {
      ...p.initial(),
      latents: randn([B, 4, 8, 8], rng),
      timesteps: i64([B], [10, 900]),
      context: randn([B, 5, 16], rng),
    };
    const base = await runGraph(graph, feeds, ['eps']);
    const withLora = await runGraph(adapted.graph, { ...feeds, ...adapted.p.initial({ tag: 'lora' }) }, ['eps']);
    const ref = base.eps.data as Float32Array;
    expect(Math.max(...(withLora.eps.data as Float32Array).map((v, i) => Math.abs(v - ref[i])))).toBeLessThan(1e-6);
    // The timestep matters: the same latents at another t give another ε̂.
    const other = await runGraph(graph, { ...feeds, timesteps: i64([B], [500, 500]) }, ['eps']);
    expect(other.eps.data[0]).not.toBeCloseTo(base.eps.data[0] as number, 6);
  });
});

describe('v-prediction', () => {
  const vConfig: DiffusionConfig = diffusionConfigSchema.parse({ ...config, unet: { ...config.unet, prediction: 'v' } });

  it('returns ε̂ = √ᾱ_t·v̂ + √(1−ᾱ_t)·x_t, v̂ being what the same weights output as an ε-model', async () => {
    const eps = unetGraph(config, B);
    const v = unetGraph(vConfig, B);
    // Same weights by name and shape: the conversion adds none.
    expect(v.p.names()).toEqual(eps.p.names());
    const rng = new Rng(7);
    const latents = randn([B, 4, 8, 8], rng);
    const ts = [10, 990];
    const feeds = { ...eps.p.initial(), latents, timesteps: i64([B], ts), context: randn([B, 5, 16], rng) };
    const raw = (await runGraph(eps.graph, feeds, ['eps'])).eps.data as Float32Array;
    const got = (await runGraph(v.graph, feeds, ['eps'])).eps.data as Float32Array;
    const s = noiseSchedule(vConfig.unet.schedule);
    const per = raw.length / B;
    let worst = 0;
    for (let i = 0; i < raw.length; i++) {
      const ab = alphaBar(s, ts[Math.floor(i / per)]);
      worst = Math.max(worst, Math.abs(got[i] - (Math.sqrt(ab) * raw[i] + Math.sqrt(1 - ab) * (latents.data as Float32Array)[i])));
    }
    expect(worst).toBeLessThan(1e-5);
    // At t = 990 the result is mostly the input itself (√(1−ᾱ) ≈ 1), not the raw output.
    expect(Math.abs(got[per] - (latents.data as Float32Array)[per])).toBeLessThan(Math.abs(got[per] - raw[per]));
  });

  it('differentiates through the conversion (what noise inversion and the personalization losses need)', async () => {
    // d Σε̂ / dx_t = √ᾱ·(d Σv̂ / dx_t) + √(1−ᾱ), the raw gradient again from the ε-model.
    const gradOf = async (c: DiffusionConfig) => {
      const { graph, p } = unetGraph(c, 1);
      const g = grad(graph, { loss: 'eps', wrt: ['latents'] });
      const rng = new Rng(8);
      const out = await runGraph(g, { ...p.initial(), latents: randn([1, 4, 8, 8], rng), timesteps: i64([1], [600]), context: randn([1, 5, 16], rng) });
      return out[g.outputs.find((o) => o !== 'eps')!].data as Float32Array;
    };
    const [raw, got] = [await gradOf(config), await gradOf(vConfig)];
    const ab = alphaBar(noiseSchedule(vConfig.unet.schedule), 600);
    expect(Math.max(...got.map((g, i) => Math.abs(g - (Math.sqrt(ab) * raw[i] + Math.sqrt(1 - ab)))))).toBeLessThan(1e-4);
  });

  it('is recorded in the manifest entry with the schedule; an entry without it is an ε-model', () => {
    const entry = unetArchitecture(vConfig.unet);
    expect(entry.prediction).toBe('v');
    const back = configFromArchitectures(textEncoderArchitecture(vConfig.text), entry);
    expect(back.unet).toEqual(vConfig.unet);
    // A pack written before the field: schedule as its own key, no prediction.
    const { prediction: _p, ...old } = unetArchitecture(config.unet);
    const legacy = { ...old, schedule: { kind: 'linear', steps: 1000, betaStart: 0.0001, betaEnd: 0.02 } };
    const read = configFromArchitectures(textEncoderArchitecture(config.text), legacy);
    expect(read.unet.prediction).toBe('epsilon');
    expect(read.unet.schedule).toEqual(scheduleFromArchitecture(legacy));
    expect(read.unet.schedule.kind).toBe('linear');
  });
});

describe('text encoder', () => {
  const ids = [
    [1, 6, 4, 2, 0], // <bos> word <s1> <eos> <pad>
    [1, 6, 7, 2, 0],
  ];

  it('gives the same context from ids in-graph (training) and from a JS table lookup (inference)', async () => {
    const b = new GraphBuilder('ids-route');
    const p = new Params(b, { seed: 3 });
    const text = new TextEncoder(p, 'text', config.text);
    b.output(text.forward(text.embed(b.input('ids', 'int64', [B, 5]))), 'context');
    const weights = p.initial();
    const viaIds = await runGraph(b.build(), { ...weights, ids: i64([B, 5], ids.flat()) });
    expect(Object.keys(textEncoderWeightShapes(textEncoderArchitecture(config.text)))).toEqual(p.names());

    const pipe = new TextToImage(config, { text: weights, unet: {} }, { backend });
    try {
      const ctx = await pipe.encodeIds(ids);
      const ref = viaIds.context.data as Float32Array;
      expect(Math.max(...ctx.map((v, i) => Math.abs(v - ref[i])))).toBeLessThan(1e-5);

      // Editing the placeholder row (<s1> = id 4) changes the first prompt's context only.
      const table = weights['text.token_embedding.weight'];
      const edited = (table.data as Float32Array).slice();
      // Not a constant shift: LayerNorm would remove that exactly.
      for (let d = 0; d < 16; d++) edited[4 * 16 + d] += d % 2 ? 0.5 : -0.5;
      const pipe2 = new TextToImage(config, { text: { ...weights, 'text.token_embedding.weight': f32(table.shape, edited) }, unet: {} }, { backend });
      const ctx2 = await pipe2.encodeIds(ids);
      await pipe2.release();
      const diff = (from: number, to: number) => Math.max(...ctx2.slice(from, to).map((v, i) => Math.abs(v - ctx[from + i])));
      expect(diff(0, 80)).toBeGreaterThan(1e-3);
      expect(diff(80, 160)).toBe(0);
    } finally {
      await pipe.release();
    }
  });

  it('differentiates the context with respect to the token embeddings (what Textual Inversion optimizes)', async () => {
    const { graph, p } = textEncoderGraph(config, B);
    expect(graph.inputs).not.toContain('text.token_embedding.weight');
    const g = grad(graph, { loss: 'context', wrt: ['token_embeds'] });
    const weights = p.initial();
    delete weights['text.token_embedding.weight'];
    const out = await runGraph(g, { ...weights, token_embeds: randn([B, 5, 16], new Rng(2), 0.02) });
    const gradName = g.outputs.find((o) => o !== 'context')!;
    expect(out[gradName].shape).toEqual([B, 5, 16]);
    expect((out[gradName].data as Float32Array).some((v) => Math.abs(v) > 1e-6)).toBe(true);
  });
});

describe('training graph', () => {
  it("weighs each example's squared error by its 'weights' entry", async () => {
    const { graph, p } = trainingGraph(config, B);
    const rng = new Rng(4);
    const feeds = {
      ...p.initial(),
      ids: i64([B, 5], [1, 6, 2, 0, 0, 1, 7, 2, 0, 0]),
      noisy: randn([B, 4, 8, 8], rng),
      timesteps: i64([B], [3, 700]),
      noise: randn([B, 4, 8, 8], rng),
    };
    const loss = async (w: number[]) => (await runGraph(graph, { ...feeds, weights: f32([B, 1, 1, 1], w) }, ['loss'])).loss.data[0] as number;
    const [one, two, first, second] = [await loss([1, 1]), await loss([2, 2]), await loss([1, 0]), await loss([0, 1])];
    expect(two).toBeCloseTo(2 * one, 5);
    expect(first + second).toBeCloseTo(one, 5);
    expect(first).not.toBeCloseTo(second, 3);
  });

  it('trains text encoder and UNet jointly: every weight gets a gradient, the token table included', () => {
    const { graph, p } = trainingGraph(config, B);
    expect(graph.outputs).toEqual(['loss']);
    const names = p.names();
    expect(names).toContain('text.token_embedding.weight');
    const g = grad(graph, { loss: 'loss', wrt: names });
    expect(g.outputs).toHaveLength(1 + names.length);
  });

  it('fine-tunes the UNet alone through LoRA (DreamBooth-LoRA): only A/B are differentiated', () => {
    const { graph, p } = unetTrainingGraph(config, B, { lora: { rank: 4 } });
    const wrt = loraNames(p);
    expect(wrt.every((n) => n.startsWith('unet.') && /lora_[AB]\.weight$/.test(n))).toBe(true);
    expect(graph.inputs).toContain('context');
    expect(grad(graph, { loss: 'loss', wrt }).outputs).toHaveLength(1 + wrt.length);
  });
});
