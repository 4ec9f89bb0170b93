// The tokenizer's three graphs agree with each other (encode → decode reconstructs what training
// reconstructs), gradients reach the encoder through either quantizer, a few Adam steps lower the
// latent MSE, and the configuration's bounds hold.
import { describe, expect, it } from 'vitest';
import { Adam, f32, grad, Rng, type Tensor, toOnnxBytes, Trainer } from '../../ml/index.ts';
import { backend } from '../../ml/nn/testing.ts';
import { AR_TOKENIZER_CONFIG, type ArTokenizerConfig, arTokenizerConfigSchema, checkTokenizerConfig, codebookSize, tokenGrid } from './config.ts';
import { tokenizerDecodeGraph, tokenizerEncodeGraph, tokenizerParamCount, tokenizerTrainingGraph } from './tokenizer.ts';
import { TokenizerSession } from './tokenizer-session.ts';

const tiny = (quantizer: ArTokenizerConfig['quantizer']) =>
  arTokenizerConfigSchema.parse({ latentSide: 8, channels: [8, 16], blocks: [1, 1], groups: 4, quantizer });
const FSQ = tiny({ kind: 'fsq', levels: [5, 3, 3] });
const VQ = tiny({ kind: 'vq', codes: 16, dim: 3, beta: 0.25 });
const BATCH = 4;

/** Latents with structure a small autoencoder can learn: a few smooth patterns, mixed per item. */
function structuredLatents(c: ArTokenizerConfig, n: number, seed: number): Tensor {
  const s = c.latentSide;
  const rng = new Rng(seed);
  const out = new Float32Array(n * c.latentChannels * s * s);
  for (let k = 0; k < n; k++) {
    const [a, f] = [rng.normal(), 1 + rng.int(2)];
    for (let ch = 0; ch < c.latentChannels; ch++)
      for (let y = 0; y < s; y++)
        for (let x = 0; x < s; x++) out[((k * c.latentChannels + ch) * s + y) * s + x] = a * Math.sin((f * (x + ch)) / 2) + 0.5 * Math.cos((y - ch) / 3);
  }
  return f32([n, c.latentChannels, s, s], out);
}

async function runGraph(graph: Parameters<typeof toOnnxBytes>[0], feeds: Record<string, Tensor>) {
  const s = await backend.create(toOnnxBytes(graph));
  try {
    return await s.run(feeds);
  } finally {
    await s.release();
  }
}

describe.each([
  ['FSQ', FSQ],
  ['VQ', VQ],
])('%s tokenizer', (_, config) => {
  it('encodes to int64 ids in range, and decode(encode(x)) is what the training graph reconstructs', async () => {
    const { graph, params } = tokenizerTrainingGraph(config, BATCH);
    const weights = params.initial();
    const x = structuredLatents(config, BATCH, 1);
    const train = await runGraph(graph, { ...weights, latent: x });
    const tok = new TokenizerSession(config, weights, { backend, batch: BATCH });
    try {
      // 5 latents through a batch of 4: the padding of the second batch is dropped.
      const five = new Float32Array(5 * tok.latentSize);
      five.set(x.data as Float32Array);
      five.set((x.data as Float32Array).subarray(0, tok.latentSize), 4 * tok.latentSize);
      const ids = await tok.encode(five, 5);
      expect(ids.length).toBe(5 * tokenGrid(config).count);
      expect(Array.from(ids.subarray(0, BATCH * 16))).toEqual(Array.from(train.indices.data as BigInt64Array));
      expect(Array.from(ids.subarray(4 * 16))).toEqual(Array.from(ids.subarray(0, 16)));
      expect(ids.every((k) => k >= 0n && k < BigInt(codebookSize(config.quantizer)))).toBe(true);
      const rec = await tok.decode(ids, 5);
      const xs = x.data as Float32Array;
      let mse = 0;
      for (let i = 0; i < xs.length; i++) mse += (rec[i] - xs[i]) ** 2;
      expect(mse / xs.length).toBeCloseTo((train.mse.data as Float32Array)[0], 5);
      await expect(tok.decode([0, 1], 1)).rejects.toThrow(/2 token ids for 1 grids of 16/);
      const bad = new Array(16).fill(0);
      bad[5] = codebookSize(config.quantizer);
      await expect(tok.decode(bad, 1)).rejects.toThrow(new RegExp(`token 5 is ${bad[5]}, outside the codebook`));
    } finally {
      await tok.release();
    }
  });

  it('sends the reconstruction loss through the quantizer into the encoder', async () => {
    const { graph, params } = tokenizerTrainingGraph(config, BATCH);
    const wrt = ['tok.encoder.conv_in.weight', 'tok.decoder.conv_out.weight', ...(config.quantizer.kind === 'vq' ? ['tok.vq.codebook'] : [])];
    const out = await runGraph(grad(graph, { loss: 'loss', wrt }), { ...params.initial(), latent: structuredLatents(config, BATCH, 2) });
    for (const w of wrt) {
      const g = out[`${w}_grad`].data as Float32Array;
      expect(g.every(Number.isFinite)).toBe(true);
      expect(Math.max(...g.map(Math.abs)), w).toBeGreaterThan(1e-6);
    }
  });

  it('lowers the latent MSE in a few Adam steps', async () => {
    const { graph, params } = tokenizerTrainingGraph(config, BATCH);
    const trainer = await Trainer.create({ graph, loss: 'loss', trainable: params.names(), params: params.initial(), optimizer: new Adam({ lr: 3e-3 }), backend, session: { threads: 1 } });
    try {
      const batch = { latent: structuredLatents(config, BATCH, 3) };
      const before = await trainer.evaluate(batch);
      for (let i = 0; i < 25; i++) await trainer.step(batch);
      expect(await trainer.evaluate(batch)).toBeLessThan(0.6 * before);
    } finally {
      await trainer.release();
    }
  });
});

describe('tokenizer configuration', () => {
  it('defaults to the pack’s size: 4×16×16 latents, 8×8 = 64 tokens from 1,000 FSQ codes', () => {
    expect(AR_TOKENIZER_CONFIG.quantizer).toEqual({ kind: 'fsq', levels: [8, 5, 5, 5] });
    expect(codebookSize(AR_TOKENIZER_CONFIG.quantizer)).toBe(1000);
    expect(tokenGrid(AR_TOKENIZER_CONFIG)).toEqual({ side: 8, count: 64 });
    const enc = tokenizerEncodeGraph(AR_TOKENIZER_CONFIG, 2).graph;
    expect(enc.values.get('indices')).toEqual({ dtype: 'int64', shape: [2, 64] });
    expect(enc.values.get('latent')).toEqual({ dtype: 'float32', shape: [2, 4, 16, 16] });
    const dec = tokenizerDecodeGraph(AR_TOKENIZER_CONFIG, 2).graph;
    expect(dec.values.get('indices')).toEqual({ dtype: 'int64', shape: [2, 64] });
    expect(dec.values.get('latent')).toEqual({ dtype: 'float32', shape: [2, 4, 16, 16] });
    // The encode graph takes the encoder's weights only, the decode graph the decoder's.
    expect(enc.inputs.some((n) => n.startsWith('tok.decoder.'))).toBe(false);
    expect(dec.inputs.some((n) => n.startsWith('tok.encoder.'))).toBe(false);
    expect(tokenizerParamCount(AR_TOKENIZER_CONFIG)).toBeGreaterThan(1e6);
  });

  it('rejects configurations out of bounds, saying which', () => {
    expect(() => arTokenizerConfigSchema.parse({ quantizer: { kind: 'fsq', levels: [64, 64, 64] } })).toThrow(/262144 codes; at most 65536/);
    expect(() => arTokenizerConfigSchema.parse({ latentSide: 15 })).toThrow(/even/);
    expect(() => arTokenizerConfigSchema.parse({ quantizer: { kind: 'vq', codes: 1, dim: 4 } })).toThrow();
    expect(() => checkTokenizerConfig(arTokenizerConfigSchema.parse({ channels: [12, 16], groups: 8 }))).toThrow(/12 channels are not divisible into 8 groups/);
  });
});
