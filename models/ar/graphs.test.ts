import { describe, expect, it } from 'vitest';
import { Adam, f32, i64, randn, Rng, type Tensor, toOnnxBytes, Trainer } from '../../ml/index.ts';
import { configureWasm, webBackend } from '../../ml/session/web.ts';
import { arLogitsGraph, arModelConfigSchema, arPrefillGraph, arStepGraph, arTrainingGraph, cacheShape, keyName, presentKeyName, presentValueName, transformerWeightShapes, valueName } from './graphs.ts';
import { backend, randomBatch, runGraph, tinyAr, tinyWeights } from './testing.ts';

const c = tinyAr.transformer;
const N = c.gridSize ** 2;
const V = c.codebookSize;
const B = 2;
const weights = tinyWeights(1);
const drop = (...d: number[]) => f32([d.length, 1, 1], d);
const pick = (w: Record<string, Tensor>, names: string[]) => Object.fromEntries(names.map((n) => [n, w[n]]));

async function fullLogits(ids: Tensor, tokens: Tensor, dropped = drop(0, 0), w = weights): Promise<Float32Array> {
  const g = arLogitsGraph(tinyAr, ids.shape[0]);
  return (await runGraph(g.graph, { ...pick(w, g.weights), ids, tokens, drop_caption: dropped }, ['logits'])).logits.data as Float32Array;
}

const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => Math.max(...Array.from(a, (v, i) => Math.abs(v - b[i])));
/** Logits of position j of every batch item from [B, N, V]. */
const at = (logits: Float32Array, j: number) => Array.from({ length: B }, (_, k) => Array.from(logits.subarray((k * N + j) * V, (k * N + j + 1) * V))).flat();

describe('AR transformer graphs', () => {
  it('the step graph with the cache gives the full pass logits at every position', async () => {
    const { tokens, ids } = randomBatch(B, 3);
    const full = await fullLogits(ids, tokens);
    const pre = arPrefillGraph(tinyAr, B, 0);
    let out = await runGraph(pre.graph, { ...pick(weights, pre.weights), ids, drop_caption: drop(0, 0) });
    expect(maxDiff(out.logits.data as Float32Array, at(full, 0))).toBeLessThan(1e-4);
    const step = arStepGraph(tinyAr, B);
    expect(step.weights.some((n) => n.startsWith('text.') || n.includes('empty_caption'))).toBe(false);
    const t = tokens.data as BigInt64Array;
    for (let j = 1; j < N; j++) {
      const past: Record<string, Tensor> = {};
      for (let i = 0; i < c.layers; i++) [past[keyName(i)], past[valueName(i)]] = [out[presentKeyName(i)], out[presentValueName(i)]];
      // Input j is token j − 1; its output predicts token j.
      const token = i64([B, 1], [t[j - 1], t[N + j - 1]]);
      out = await runGraph(step.graph, { ...pick(weights, step.weights), ...past, token, position: i64([1], [j]) });
      expect(maxDiff(out.logits.data as Float32Array, at(full, j)), `position ${j}`).toBeLessThan(1e-4);
    }
    // A prefill of the first k tokens lands where the steps do: same logits, same caches.
    const k = 5;
    const pk = arPrefillGraph(tinyAr, B, k);
    const first = i64([B, k], [...t.subarray(0, k), ...t.subarray(N, N + k)]);
    const viaPrefill = await runGraph(pk.graph, { ...pick(weights, pk.weights), ids, tokens: first, drop_caption: drop(0, 0) });
    expect(maxDiff(viaPrefill.logits.data as Float32Array, at(full, k))).toBeLessThan(1e-4);
    expect(viaPrefill[presentKeyName(1)].shape).toEqual(cacheShape(tinyAr, B));
  });

  it('runs the prefill and the step on onnxruntime-web (wasm), as the browser will', async () => {
    configureWasm({ threads: 1 });
    const { ids } = randomBatch(B, 10);
    const pre = arPrefillGraph(tinyAr, B, 0);
    const step = arStepGraph(tinyAr, B);
    const outs = [];
    for (const be of [backend, webBackend]) {
      const [ps, ss] = await Promise.all([be.create(toOnnxBytes(pre.graph)), be.create(toOnnxBytes(step.graph))]);
      const first = await ps.run({ ...pick(weights, pre.weights), ids, drop_caption: drop(0, 1) });
      const past: Record<string, Tensor> = {};
      for (let i = 0; i < c.layers; i++) [past[keyName(i)], past[valueName(i)]] = [first[presentKeyName(i)], first[presentValueName(i)]];
      outs.push((await ss.run({ ...pick(weights, step.weights), ...past, token: i64([B, 1], [3, 7]), position: i64([1], [1]) })).logits.data as Float32Array);
      await Promise.all([ps.release(), ss.release()]);
    }
    expect(maxDiff(outs[0], outs[1])).toBeLessThan(1e-5);
  });

  it('is causal: changing a token changes the logits after it, never those before', async () => {
    const { tokens, ids } = randomBatch(B, 4);
    const before = await fullLogits(ids, tokens);
    const changed = i64(tokens.shape, tokens.data as BigInt64Array);
    const j = 4;
    for (let k = 0; k < B; k++) (changed.data as BigInt64Array)[k * N + j] = BigInt((Number((tokens.data as BigInt64Array)[k * N + j]) + 1) % V);
    const after = await fullLogits(ids, changed);
    for (let p = 0; p <= j; p++) expect(at(after, p), `position ${p}`).toEqual(at(before, p));
    expect(maxDiff(at(after, j + 1), at(before, j + 1))).toBeGreaterThan(1e-4);
  });

  it('attends to the caption prefix, and to the learned empty caption when the caption is dropped', async () => {
    const { tokens, ids } = randomBatch(B, 5);
    const other = randomBatch(B, 6).ids;
    const a = await fullLogits(ids, tokens);
    const b = await fullLogits(other, tokens);
    // The caption reaches every position, the first included.
    for (let p = 0; p < N; p++) expect(maxDiff(at(a, p), at(b, p)), `position ${p}`).toBeGreaterThan(1e-4);
    // Dropped: the caption no longer matters, the empty caption does.
    const da = await fullLogits(ids, tokens, drop(1, 1));
    expect(await fullLogits(other, tokens, drop(1, 1))).toEqual(da);
    expect(maxDiff(da, a)).toBeGreaterThan(1e-4);
    const empty = weights['ar.empty_caption'];
    // (Not a uniform shift: LayerNorm takes that out of every key and value.)
    const noise = randn(empty.shape, new Rng(3), 0.5).data as Float32Array;
    const moved = { ...weights, 'ar.empty_caption': f32(empty.shape, (empty.data as Float32Array).map((v, i) => v + noise[i])) };
    expect(maxDiff(await fullLogits(ids, tokens, drop(1, 1), moved), da)).toBeGreaterThan(1e-4);
    expect(await fullLogits(ids, tokens, drop(0, 0), moved)).toEqual(a);
    // Per item: one dropped, one kept.
    const mixed = await fullLogits(ids, tokens, drop(0, 1));
    expect(mixed.subarray(0, N * V)).toEqual(a.subarray(0, N * V));
    expect(mixed.subarray(N * V)).toEqual(da.subarray(N * V));
  });

  it('takes the caption as ids, token embeddings or text features alike', async () => {
    const { tokens, ids } = randomBatch(B, 7);
    const ref = await fullLogits(ids, tokens);
    const table = weights['text.token_embedding.weight'].data as Float32Array;
    const D = tinyAr.text.dim;
    const embeds = f32([B, tinyAr.text.maxLength, D], Array.from(ids.data as BigInt64Array).flatMap((id) => Array.from(table.subarray(Number(id) * D, (Number(id) + 1) * D))));
    const ge = arLogitsGraph(tinyAr, B, { caption: 'token_embeds' });
    expect(ge.weights).not.toContain('text.token_embedding.weight');
    const viaEmbeds = await runGraph(ge.graph, { ...pick(weights, ge.weights), token_embeds: embeds, tokens, drop_caption: drop(0, 0) }, ['logits']);
    expect(maxDiff(viaEmbeds.logits.data as Float32Array, ref)).toBeLessThan(1e-5);
    const gc = arLogitsGraph(tinyAr, B, { caption: 'context' });
    expect(gc.weights.every((n) => n.startsWith('ar.'))).toBe(true);
    const context = randn([B, tinyAr.text.maxLength, D], new Rng(2));
    const viaContext = await runGraph(gc.graph, { ...pick(weights, gc.weights), context, tokens, drop_caption: drop(0, 0) }, ['logits']);
    expect(viaContext.logits.shape).toEqual([B, N, V]);
    // What a pack's weights file must hold: every transformer weight the training graph reads.
    const shapes = transformerWeightShapes(tinyAr);
    expect(Object.keys(shapes).sort()).toEqual(arTrainingGraph(tinyAr, 1).weights.filter((n) => n.startsWith('ar.')).sort());
    for (const [n, s] of Object.entries(shapes)) expect(s, n).toEqual(weights[n].shape);
  });

  it('refuses a text encoder whose features do not fit the prefix', () => {
    expect(() => arModelConfigSchema.parse({ transformer: tinyAr.transformer, text: { ...tinyAr.text, dim: 12 } })).toThrow(/caption prefix of \[4, 8\], but the text encoder gives \[4, 12\]/);
    expect(() => arModelConfigSchema.parse({ transformer: { ...tinyAr.transformer, width: 15 }, text: tinyAr.text })).toThrow(/width 15 is not divisible by 2 heads/);
    expect(() => arPrefillGraph(tinyAr, 1, N)).toThrow(/k may be 0 … 8/);
  });

  it('scores next-token cross-entropy per token and on average', async () => {
    const { tokens, ids } = randomBatch(B, 8);
    const logits = await fullLogits(ids, tokens);
    const g = arTrainingGraph(tinyAr, B, { tokenLoss: true });
    const out = await runGraph(g.graph, { ...pick(weights, g.weights), ids, tokens, drop_caption: drop(0, 0) });
    const perToken = out.token_loss.data as Float32Array;
    expect(out.token_loss.shape).toEqual([B, N]);
    const t = tokens.data as BigInt64Array;
    for (let r = 0; r < B * N; r++) {
      const row = logits.subarray(r * V, (r + 1) * V);
      const max = Math.max(...row);
      const lse = max + Math.log(row.reduce((s, v) => s + Math.exp(v - max), 0));
      expect(perToken[r]).toBeCloseTo(lse - row[Number(t[r])], 4);
    }
    expect((out.loss.data as Float32Array)[0]).toBeCloseTo(perToken.reduce((s, v) => s + v, 0) / perToken.length, 5);
  });

  it('learns: a few Adam steps on a tiny fixed dataset lower the loss', async () => {
    const { tokens, ids } = randomBatch(4, 9);
    const g = arTrainingGraph(tinyAr, 4);
    const trainable = g.weights.filter((n) => n.startsWith('ar.'));
    const trainer = await Trainer.create({ graph: g.graph, loss: 'loss', trainable, params: pick(weights, g.weights), optimizer: new Adam({ lr: 1e-2 }), backend });
    const batch = { ids, tokens, drop_caption: drop(0, 0, 0, 1) };
    const losses: number[] = [];
    for (let s = 0; s < 25; s++) losses.push(await trainer.step(batch));
    await trainer.release();
    expect(losses[0]).toBeGreaterThan(0.8 * Math.log(V));
    expect(losses.at(-1)!).toBeLessThan(0.5 * losses[0]);
  });

  describe('learned prefix tokens (prefix tuning)', () => {
    const P = 3;
    const prefix = (seed: number) => {
      const rng = new Rng(seed);
      const out: Record<string, Tensor> = {};
      for (let i = 0; i < c.layers; i++)
        for (const k of ['key', 'value']) out[`ar.blocks.${i}.attn.prefix_${k}`] = randn([P, c.width], rng, 0.5);
      return out;
    };
    const logitsWith = async (ids: Tensor, tokens: Tensor, learned: Record<string, Tensor>) => {
      const g = arLogitsGraph(tinyAr, B, { prefixTokens: P });
      expect(g.weights.filter((n) => n.includes('prefix_')).sort()).toEqual(Object.keys(learned).sort());
      return (await runGraph(g.graph, { ...pick(weights, g.weights.filter((n) => !n.includes('prefix_'))), ...learned, ids, tokens, drop_caption: drop(0, 0) }, ['logits'])).logits.data as Float32Array;
    };

    it('changes every position, and the cache (P slots longer) gives the full pass at every step', async () => {
      const { tokens, ids } = randomBatch(B, 11);
      const plain = await fullLogits(ids, tokens);
      const learned = prefix(1);
      const full = await logitsWith(ids, tokens, learned);
      for (let p = 0; p < N; p++) expect(maxDiff(at(full, p), at(plain, p)), `position ${p}`).toBeGreaterThan(1e-4);
      expect(maxDiff(await logitsWith(ids, tokens, prefix(2)), full)).toBeGreaterThan(1e-4);
      const pre = arPrefillGraph(tinyAr, B, 0, { prefixTokens: P });
      let out = await runGraph(pre.graph, { ...pick(weights, pre.weights.filter((n) => !n.includes('prefix_'))), ...learned, ids, drop_caption: drop(0, 0) });
      expect(out[presentKeyName(0)].shape).toEqual(cacheShape(tinyAr, B, P));
      expect(maxDiff(out.logits.data as Float32Array, at(full, 0))).toBeLessThan(1e-4);
      const step = arStepGraph(tinyAr, B, { prefixTokens: P });
      expect(step.weights.some((n) => n.includes('prefix_'))).toBe(false);
      const t = tokens.data as BigInt64Array;
      for (let j = 1; j < N; j++) {
        const past: Record<string, Tensor> = {};
        for (let i = 0; i < c.layers; i++) [past[keyName(i)], past[valueName(i)]] = [out[presentKeyName(i)], out[presentValueName(i)]];
        out = await runGraph(step.graph, { ...pick(weights, step.weights), ...past, token: i64([B, 1], [t[j - 1], t[N + j - 1]]), position: i64([1], [j]) });
        expect(maxDiff(out.logits.data as Float32Array, at(full, j)), `position ${j}`).toBeLessThan(1e-4);
      }
    });

    it('trains the prefix alone: the loss falls with every other weight frozen', async () => {
      const { tokens, ids } = randomBatch(2, 12);
      const g = arTrainingGraph(tinyAr, 2, { prefixTokens: P });
      const learned = prefix(3);
      const trainer = await Trainer.create({ graph: g.graph, loss: 'loss', trainable: Object.keys(learned), params: { ...pick(weights, g.weights.filter((n) => !n.includes('prefix_'))), ...learned }, optimizer: new Adam({ lr: 5e-2 }), backend });
      const losses: number[] = [];
      for (let s = 0; s < 15; s++) losses.push(await trainer.step({ ids, tokens, drop_caption: drop(0, 0) }));
      await trainer.release();
      expect(losses.at(-1)!).toBeLessThan(losses[0] - 0.1);
    });
  });

  it('weights rows and takes distributions as targets', async () => {
    const { tokens, ids } = randomBatch(B, 13);
    const base = arTrainingGraph(tinyAr, B, { tokenLoss: true });
    const ref = await runGraph(base.graph, { ...pick(weights, base.weights), ids, tokens, drop_caption: drop(0, 0) });
    const nll = ref.token_loss.data as Float32Array;
    const rowMean = (k: number) => nll.subarray(k * N, (k + 1) * N).reduce((a, b) => a + b, 0) / N;
    const w = arTrainingGraph(tinyAr, B, { weighted: true });
    const weighted = await runGraph(w.graph, { ...pick(weights, w.weights), ids, tokens, drop_caption: drop(0, 0), weight: f32([B, 1], [1, 0.25]) });
    expect((weighted.loss.data as Float32Array)[0]).toBeCloseTo((rowMean(0) + 0.25 * rowMean(1)) / 2, 5);
    // One-hot targets give the tokens' own loss.
    const onehot = new Float32Array(B * N * V);
    (tokens.data as BigInt64Array).forEach((t, r) => (onehot[r * V + Number(t)] = 1));
    const soft = arTrainingGraph(tinyAr, B, { softTargets: true, tokenLoss: true });
    const viaSoft = await runGraph(soft.graph, { ...pick(weights, soft.weights), ids, tokens, drop_caption: drop(0, 0), targets: f32([B, N, V], onehot) });
    expect(maxDiff(viaSoft.token_loss.data as Float32Array, nll)).toBeLessThan(1e-5);
  });

  it('adds LoRA to the attention projections only, starting as the base model', async () => {
    const { tokens, ids } = randomBatch(B, 14);
    const g = arLogitsGraph(tinyAr, B, { lora: { rank: 2, alpha: 2 } });
    const lora = g.p.initial({ tag: 'lora' });
    expect(Object.keys(lora).sort()).toEqual(
      Array.from({ length: c.layers }, (_, i) => ['to_q', 'to_k', 'to_v', 'to_out'].flatMap((l) => [`ar.blocks.${i}.attn.${l}.lora_A.weight`, `ar.blocks.${i}.attn.${l}.lora_B.weight`])).flat().sort(),
    );
    const out = await runGraph(g.graph, { ...pick(weights, g.weights.filter((n) => !lora[n])), ...lora, ids, tokens, drop_caption: drop(0, 0) }, ['logits']);
    expect(maxDiff(out.logits.data as Float32Array, await fullLogits(ids, tokens))).toBeLessThan(1e-5);
  });
});
