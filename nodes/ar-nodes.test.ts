// The shared nodes and the AR nodes on an autoregressive pack (the tiny one: a random tokenizer and
// transformer over an 8×8 grid of 16 codes): every node reaches the model through the family its
// manifest names, grids travel as 'tokens' latents, learned words and adapters change what the
// model predicts, and what does not fit (a grid of another tokenizer, a code out of range, a prompt
// too long, an adapter of another model, another family's space) is refused on that node.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { f32, tensor, writeSafetensors } from '../ml/index.ts';
import { writeTinyArPack } from '../models/train/tiny-ar-pack.ts';
import { codeColour, UNKNOWN_GREY } from './image/token-grid.ts';
import type { Embedding, Latent, NodeOutputs } from '../runtime/index.ts';
import { modelRef, runNode, tensorOf, testImages, tinyPackDir } from './personalize/testing.ts';

let pack: string;
let otherPack: string;
let diffusionPack: string;
beforeAll(async () => {
  pack = await mkdtemp(join(tmpdir(), 'ar-nodes-'));
  await writeTinyArPack(pack);
  otherPack = await mkdtemp(join(tmpdir(), 'ar-nodes-other-'));
  await writeTinyArPack(otherPack, { name: 'other-ar-pack', layers: 1, seed: 2 });
  diffusionPack = await tinyPackDir();
}, 180_000);

const prompt = (text: string, embeddings?: Record<string, unknown>) => ({ kind: 'prompt', text, ...(embeddings ? { embeddings } : {}) });
const tokens = (shape: number[], codes: ArrayLike<number>) => ({ kind: 'latent', space: 'tokens', tensor: tensor('int32', shape, codes) });
const codesOf = (o: NodeOutputs, name: string) => {
  const v = o[name] as Latent;
  expect(v.space).toBe('tokens');
  expect(v.tensor.dtype).toBe('int32');
  return { shape: [...v.tensor.shape], codes: Array.from(v.tensor.data as Int32Array) };
};
const mean = (xs: ArrayLike<number>) => Array.from(xs).reduce((a, b) => a + b, 0) / xs.length;
const lossOf = (o: NodeOutputs) => (o.loss as { value: number }).value;

describe('the AR family through the shared nodes', () => {
  it('tokenizes images into grids (Encoder Inversion) and decodes grids to images (Decoder)', async () => {
    const model = (await runNode('model-loader', { pack })).outputs.model;
    const images = testImages(2);
    const grid = codesOf((await runNode('encoder-inversion', { mode: 'tokenizer' }, { model, images })).outputs, 'latent');
    expect(grid.shape).toEqual([2, 8, 8]);
    expect(grid.codes.every((c) => c >= 0 && c < 16)).toBe(true);
    const decoded = tensorOf((await runNode('decoder', {}, { model, latent: tokens(grid.shape, grid.codes) })).outputs, 'images');
    expect(decoded.shape).toEqual([2, 3, 64, 64]);
    expect(Math.min(...decoded.data)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...decoded.data)).toBeLessThanOrEqual(1);
    // One changed token changes the decoded image.
    const changed = [...grid.codes];
    changed[5] = (changed[5] + 1) % 16;
    const other = tensorOf((await runNode('decoder', {}, { model, latent: tokens(grid.shape, changed) })).outputs, 'images');
    expect(Array.from(other.data)).not.toEqual(Array.from(decoded.data));
  });

  it('samples grids with the Sampler: seeded, guided, revealed step by step', async () => {
    const model = modelRef(pack);
    const run = (seed: number, guidance = 3) => runNode('sampler', { seed, batch: 2, guidance, previewEvery: 16 }, { model, prompt: prompt('face smiling') });
    const a = await run(4);
    const b = await run(4);
    const g = codesOf(a.outputs, 'latent');
    expect(g.shape).toEqual([2, 8, 8]);
    expect(codesOf(b.outputs, 'latent').codes).toEqual(g.codes);
    expect(codesOf((await run(5)).outputs, 'latent').codes).not.toEqual(g.codes);
    expect(codesOf((await run(4, 1)).outputs, 'latent').codes).not.toEqual(g.codes);
    // Reveals at tokens 16, 32 and 48 (not at the last), the latest one when a decoding is still
    // running: the grid (8 px a token) beside its decoding.
    expect(a.previews.length).toBeGreaterThanOrEqual(1);
    expect(a.previews.length).toBeLessThanOrEqual(3);
    expect([a.previews[0].width, a.previews[0].height]).toEqual([64 + 4 + 64, 64]);
    expect(a.progress.at(-1)).toEqual([64, 64]);
  });
});

describe('the AR Sampler', () => {
  it('draws the same grid with and without the KV cache, and temperature 0 takes the likeliest token', async () => {
    const model = modelRef(pack);
    const p = { seed: 9, batch: 2, topK: 4, topP: 0.9, temperature: 0.8, revealEvery: 0 };
    const cached = await runNode('ar-sampler', { ...p, cache: true }, { model, prompt: prompt('cat') });
    const full = await runNode('ar-sampler', { ...p, cache: false }, { model, prompt: prompt('cat') });
    expect(codesOf(full.outputs, 'tokens').codes).toEqual(codesOf(cached.outputs, 'tokens').codes);
    expect(tensorOf(cached.outputs, 'images').shape).toEqual([2, 3, 64, 64]);
    expect(cached.previews).toEqual([]);
    // Greedy: the seed no longer matters.
    const greedy = (seed: number) => runNode('ar-sampler', { seed, temperature: 0, revealEvery: 0 }, { model, prompt: prompt('cat') });
    expect(codesOf((await greedy(1)).outputs, 'tokens').codes).toEqual(codesOf((await greedy(2)).outputs, 'tokens').codes);
  });

  it('regenerates only the masked tokens of a wired grid, revealing the rest as known', async () => {
    const model = modelRef(pack);
    const start = Array.from({ length: 64 }, (_, i) => i % 16);
    const masked = [9, 10, 17, 18, 40];
    const r = await runNode('ar-sampler', { seed: 3, masked, revealEvery: 1 }, { model, prompt: prompt('cat'), tokens: tokens([1, 8, 8], start) });
    const out = codesOf(r.outputs, 'tokens').codes;
    start.forEach((c, i) => {
      if (!masked.includes(i)) expect(out[i], `kept token ${i}`).toBe(c);
    });
    expect(masked.some((i) => out[i] !== start[i])).toBe(true);
    // The sampler runs up to the last masked position (40), revealing the grid as it goes: kept
    // tokens in their colours from the start, the last masked one grey in every reveal.
    expect(r.progress.at(-1)).toEqual([41, 41]);
    expect(r.previews.length).toBeGreaterThanOrEqual(1);
    const rgb = (img: { width: number; data: Uint8Array }, x: number, y: number) => Array.from(img.data.subarray((y * img.width + x) * 4, (y * img.width + x) * 4 + 3));
    for (const p of r.previews) {
      expect(rgb(p, 1, 5 * 8 + 1)).toEqual([...UNKNOWN_GREY]);
      expect(rgb(p, 7 * 8 + 1, 7 * 8 + 1)).toEqual([...codeColour(start[63])]);
    }
    // No mask: the grid comes back as it was.
    const none = await runNode('ar-sampler', { seed: 3, revealEvery: 0 }, { model, prompt: prompt('cat'), tokens: tokens([1, 8, 8], start) });
    expect(codesOf(none.outputs, 'tokens').codes).toEqual(start);
    await expect(runNode('ar-sampler', { masked: [3] }, { model, prompt: prompt('cat') })).rejects.toThrow(/masked tokens are positions of a wired grid/);
    await expect(runNode('ar-sampler', { masked: [64] }, { model, prompt: prompt('cat'), tokens: tokens([1, 8, 8], start) })).rejects.toThrow(/masked position 64 is outside the 8×8 grid/);
  });
});

describe('Likelihood', () => {
  it('gives each token its loss as a heat map over the image, the mean in nats and bits', async () => {
    const model = modelRef(pack);
    const images = testImages(2, 64, 3);
    const fromImages = await runNode('likelihood', { opacity: 1 }, { model, images, prompt: prompt('cat') });
    const heat = tensorOf(fromImages.outputs, 'heatmap');
    expect(heat.shape).toEqual([2, 3, 64, 64]);
    const nats = lossOf(fromImages.outputs);
    // A random model over 16 codes is about as surprised as a blind guess (ln 16 ≈ 2.8 nats).
    expect(nats).toBeGreaterThan(1);
    expect(nats).toBeLessThan(6);
    const m = (fromImages.outputs.metrics as { values: Record<string, number> }).values;
    expect(m.natsPerToken).toBeCloseTo(nats, 6);
    expect(m.bitsPerToken).toBeCloseTo(nats / Math.LN2, 6);
    // The same grids wired as tokens score the same; the heat map then lies over their decoding.
    const grid = codesOf((await runNode('encoder-inversion', { mode: 'tokenizer' }, { model, images })).outputs, 'latent');
    const fromTokens = await runNode('likelihood', { opacity: 0 }, { model, tokens: tokens(grid.shape, grid.codes), prompt: prompt('cat') });
    expect(lossOf(fromTokens.outputs)).toBeCloseTo(nats, 5);
    const decoded = tensorOf((await runNode('decoder', {}, { model, latent: tokens(grid.shape, grid.codes) })).outputs, 'images');
    expect(mean(tensorOf(fromTokens.outputs, 'heatmap').data)).toBeCloseTo(mean(decoded.data), 5);
    await expect(runNode('likelihood', {}, { model, prompt: prompt('cat') })).rejects.toThrow(/wire the images \(or a token grid\)/);
  });
});

describe('personalizing an AR model', () => {
  /** The mean loss of the concept's grids under a prompt, through a wired adapter and prompt embeddings. */
  const conceptLoss = async (grid: { shape: number[]; codes: number[] }, text: string, extra: Record<string, unknown> = {}, words?: Record<string, unknown>) =>
    lossOf((await runNode('likelihood', {}, { model: modelRef(pack), tokens: tokens(grid.shape, grid.codes), prompt: prompt(text, words), ...extra })).outputs);
  const concept = async () => codesOf((await runNode('encoder-inversion', { mode: 'tokenizer' }, { model: modelRef(pack), images: testImages(1, 64, 7) })).outputs, 'latent');
  const tune = { steps: 25, lr: 0.05, batch: 2, templates: ['S*'], previewEvery: 0 };

  it('learns a word for the concept (AR Textual Inversion) that makes its grid likelier, saved as a file', async () => {
    const model = modelRef(pack);
    const grid = await concept();
    // Started from a known word (zeros), so the concept's loss under it is the starting point.
    const start = { kind: 'embedding', tensor: f32([1, 16]), token: 'S*' };
    const before = await conceptLoss(grid, 'S*', {}, { '<s1>': start.tensor });
    const r = await runNode('latent-optimizer', { space: 'text-embedding', ...tune }, { model, images: testImages(1, 64, 7), initEmbedding: start });
    const embedding = r.outputs.embedding as Embedding;
    expect(embedding.tensor.shape).toEqual([1, 16]);
    expect(embedding.token).toBe('S*');
    const losses = (r.outputs.loss as { values: number[] }).values;
    expect(losses.at(-1)!).toBeLessThan(losses[0]);
    expect((r.outputs.file as { files: { name: string }[] }).files[0].name).toBe('text-embedding.safetensors');
    // Through a Text Prompt the word lowers the concept's loss, and the Sampler draws with it.
    const bound = (await runNode('text-prompt', { text: 'S*' }, { embeddings: [r.outputs.embedding] })).outputs.prompt as { embeddings: Record<string, unknown> };
    const withWord = lossOf((await runNode('likelihood', {}, { model, tokens: tokens(grid.shape, grid.codes), prompt: bound })).outputs);
    expect(withWord).toBeLessThan(before);
    expect(codesOf((await runNode('sampler', { batch: 1 }, { model, prompt: bound })).outputs, 'latent').shape).toEqual([1, 8, 8]);
    // As a Model Loader's added word, the file binds S* in every prompt.
    const file = join(pack, 'word.safetensors');
    await writeFile(file, (r.outputs.file as { files: { bytes: Uint8Array }[] }).files[0].bytes);
    const loaded = (await runNode('model-loader', { pack, tokens: [{ token: 'S*', source: file }] })).outputs.model;
    const viaLoader = lossOf((await runNode('likelihood', {}, { model: loaded, tokens: tokens(grid.shape, grid.codes), prompt: prompt('S*') })).outputs);
    expect(viaLoader).toBeCloseTo(withWord, 5);
  });

  it('shows a sample of what each method has learned so far beside its loss curve', async () => {
    const model = modelRef(pack);
    const images = testImages(1, 64, 7);
    const runs = [
      await runNode('latent-optimizer', { space: 'text-embedding', ...tune, steps: 4, previewEvery: 2 }, { model, images }),
      await runNode('lora-trainer', { ...tune, steps: 4, rank: 2, alpha: 2, previewEvery: 2 }, { model, images }),
      await runNode('lora-trainer', { ...tune, steps: 4, adapter: 'prefix', prefixLength: 2, previewEvery: 2 }, { model, images }),
    ];
    for (const r of runs) {
      // A sample (64 px) beside the curve (96 px) is wider than the curve alone.
      const withSample = r.previews.filter((p) => p.width === 64 + 4 + 96);
      expect(withSample.length, 'previews with a sample').toBeGreaterThanOrEqual(1);
    }
  });

  it('tunes a LoRA (with distillation, and two-stage from a learned word) and a prefix, each making the concept likelier', async () => {
    const model = modelRef(pack);
    const grid = await concept();
    const images = testImages(1, 64, 7);
    // Against the same adapter barely tuned (one step from its start: LoRA's B is zero, the prefix the empty caption's).
    const lora = await runNode('lora-trainer', { ...tune, rank: 2, alpha: 2, priorImages: 2, priorMode: 'distillation', classPrompt: 'face', priorWeight: 0.5 }, { model, images });
    const loraStart = await runNode('lora-trainer', { ...tune, steps: 1, rank: 2, alpha: 2 }, { model, images });
    const meta = (lora.outputs.lora as { meta: Record<string, string> }).meta;
    expect(meta).toMatchObject({ family: 'autoregressive', adapter: 'lora', model: 'tiny-ar-pack' });
    expect(await conceptLoss(grid, 'S*', { lora: lora.outputs.lora })).toBeLessThan(await conceptLoss(grid, 'S*', { lora: loraStart.outputs.lora }));
    // The samplers draw through the wired LoRA; at scale 0 it is the base model.
    const plain = codesOf((await runNode('ar-sampler', { seed: 1, revealEvery: 0 }, { model, prompt: prompt('cat') })).outputs, 'tokens').codes;
    const through = (loraScale: number) => runNode('ar-sampler', { seed: 1, revealEvery: 0, loraScale }, { model, prompt: prompt('cat'), lora: lora.outputs.lora });
    expect(codesOf((await through(0)).outputs, 'tokens').codes).toEqual(plain);
    expect(codesOf((await through(1)).outputs, 'tokens').codes).not.toEqual(plain);

    const prefix = await runNode('lora-trainer', { ...tune, adapter: 'prefix', prefixLength: 2 }, { model, images });
    const prefixStart = await runNode('lora-trainer', { ...tune, steps: 1, adapter: 'prefix', prefixLength: 2 }, { model, images });
    expect((prefix.outputs.lora as { meta: Record<string, string> }).meta).toMatchObject({ adapter: 'prefix', length: '2' });
    expect(await conceptLoss(grid, 'S*', { lora: prefix.outputs.lora })).toBeLessThan(await conceptLoss(grid, 'S*', { lora: prefixStart.outputs.lora }));
    // Saved and listed on a Model Loader, the prefix applies to every node of that reference.
    const file = join(pack, 'prefix.safetensors');
    await writeFile(file, (prefix.outputs.file as { files: { bytes: Uint8Array }[] }).files[0].bytes);
    const withPrefix = (await runNode('model-loader', { pack, loras: [{ source: file, scale: 1 }] })).outputs.model;
    expect(lossOf((await runNode('likelihood', {}, { model: withPrefix, tokens: tokens(grid.shape, grid.codes), prompt: prompt('S*') })).outputs)).toBeCloseTo(
      await conceptLoss(grid, 'S*', { lora: prefix.outputs.lora }),
      5,
    );

    const word = await runNode('latent-optimizer', { space: 'text-embedding', ...tune, steps: 5 }, { model, images: testImages(1, 64, 7) });
    const twoStage = await runNode('lora-trainer', { ...tune, rank: 2, alpha: 2 }, { model, images: testImages(1, 64, 7), embedding: word.outputs.embedding });
    expect((twoStage.outputs.loss as { values: number[] }).values.length).toBe(tune.steps);
    await expect(runNode('lora-trainer', { ...tune, adapter: 'prefix' }, { model, images: testImages(1, 64, 7), embedding: word.outputs.embedding })).rejects.toThrow(/two-stage method .* tunes LoRA/);
    await expect(runNode('lora-trainer', { ...tune, priorImages: 2 }, { model, images: testImages(1, 64, 7) })).rejects.toThrow(/needs a class prompt/);
  });

  it('scores images with the pack’s evaluator', async () => {
    const model = modelRef(pack);
    const img = testImages(1, 64, 2);
    const m = (await runNode('metrics', {}, { model, images: img, references: img, prompt: prompt('a cat') })).outputs.metrics as { values: Record<string, number> };
    expect(m.values.clipI).toBeCloseTo(1, 4);
    expect(m.values.psnr).toBeGreaterThan(60);
    expect(Number.isFinite(m.values.clipT)).toBe(true);
  });
});

describe('what does not fit an AR model, and what an AR model does not offer', () => {
  it('refuses grids out of range or of another tokenizer, and prompts longer than the context', async () => {
    const model = modelRef(pack);
    const codes = new Array(64).fill(0);
    codes[3 * 8 + 5] = 1204;
    await expect(runNode('decoder', {}, { model, latent: tokens([1, 8, 8], codes) })).rejects.toThrow(/token 1204 at row 3, column 5 is outside the tokenizer's 16 codes/);
    await expect(runNode('decoder', {}, { model, latent: tokens([1, 4, 4], new Array(16).fill(0)) })).rejects.toThrow(/\[1,4,4\] but "tiny-ar-pack" uses \[n, 8, 8\] grids/);
    await expect(runNode('decoder', {}, { model, latent: { kind: 'latent', space: 'w+', tensor: f32([1, 8, 8]) } })).rejects.toThrow(/takes a token grid .* got a latent in "w\+" space/);
    await expect(runNode('ar-sampler', {}, { model, prompt: prompt('cat'), tokens: tokens([1, 8, 8], codes) })).rejects.toThrow(/token 1204 at row 3, column 5/);
    const long = 'a cat on a red chair by the sea at night';
    await expect(runNode('ar-sampler', {}, { model, prompt: prompt(long) })).rejects.toThrow(/longer than the 6 words "tiny-ar-pack" reads/);
    await expect(runNode('sampler', {}, { model, prompt: prompt('cat'), negative: prompt(long) })).rejects.toThrow(/negative prompt .* longer than/);
    await expect(runNode('likelihood', {}, { model, images: testImages(1), prompt: prompt(long) })).rejects.toThrow(/longer than/);
    await expect(runNode('latent-optimizer', { space: 'text-embedding', templates: ['a photo of S*'.repeat(3)], steps: 1 }, { model, images: testImages(1) })).rejects.toThrow(/training prompt .* longer than/);
    await expect(runNode('encoder-inversion', { mode: 'tokenizer' }, { model, images: testImages(1, 32) })).rejects.toThrow(/32×32 but "tiny-ar-pack" works at 64×64/);
    await expect(runNode('encoder-inversion', { mode: 'tokenizer' }, { model, images: testImages(1), latent: tokens([1, 8, 8], new Array(64).fill(0)) })).rejects.toThrow(/a token grid needs no inverting/);
  });

  it('refuses an adapter made for another model, on the node it reaches', async () => {
    const model = modelRef(pack);
    const other = await runNode('lora-trainer', { steps: 1, rank: 2, alpha: 2, templates: ['S*'], previewEvery: 0 }, { model: modelRef(otherPack), images: testImages(1) });
    await expect(runNode('ar-sampler', {}, { model, prompt: prompt('cat'), lora: other.outputs.lora })).rejects.toThrow(/made for the AR model "other-ar-pack", not "tiny-ar-pack"/);
    const diffusionLora = { kind: 'lora', tensors: { 'unet.x.lora_A.weight': f32([1, 1]) }, meta: { format: 'personalize-lora-v1', pack: 'tiny-pack', rank: '1', alpha: '1' } };
    await expect(runNode('sampler', {}, { model, prompt: prompt('cat'), lora: diffusionLora })).rejects.toThrow(/made for the diffusion model/);
    const file = join(pack, 'foreign-lora.safetensors');
    await writeFile(file, writeSafetensors(diffusionLora.tensors, diffusionLora.meta));
    await expect(runNode('model-loader', { pack, loras: [{ source: file, scale: 1 }] })).rejects.toThrow(/LoRA .*foreign-lora.safetensors: this adapter was made for the diffusion model/);
    // Decoding takes no adapter: it says where the adapter belongs.
    await expect(runNode('decoder', {}, { model, latent: tokens([1, 8, 8], new Array(64).fill(0)), lora: other.outputs.lora })).rejects.toThrow(/changes which tokens are drawn, not how a grid decodes/);
  });

  it('refuses another family’s spaces and modes, and other families refuse the AR ones', async () => {
    const ar = modelRef(pack);
    const img = testImages(1);
    await expect(runNode('latent-optimizer', { space: 'latent', steps: 1 }, { model: ar, images: img })).rejects.toThrow(/is an AR pack: its optimization space is text-embedding .* not latent/);
    await expect(runNode('latent-optimizer', { space: 'w+', steps: 1 }, { model: ar, images: img })).rejects.toThrow(/is an AR pack/);
    await expect(runNode('encoder-inversion', { mode: 'ddim' }, { model: ar, images: img })).rejects.toThrow(/is an AR pack: its inversion is "tokenizer" \(image → token grid\), not ddim/);
    await expect(runNode('lora-trainer', { steps: 1, target: 'conv' }, { model: ar, images: img })).rejects.toThrow(/attention projections only/);
    await expect(runNode('latent-edit', {}, { model: ar, latent: tokens([1, 8, 8], new Array(64).fill(0)) })).rejects.toThrow(/is an AR model, which offers no latent editing directions/);
    const diffusion = modelRef(diffusionPack);
    await expect(runNode('encoder-inversion', { mode: 'tokenizer' }, { model: diffusion, images: img })).rejects.toThrow(/is a diffusion pack: its inversions are autoencoder, ddim, not tokenizer/);
    await expect(runNode('decoder', {}, { model: diffusion, latent: tokens([1, 8, 8], new Array(64).fill(0)) })).rejects.toThrow(/got one in "tokens" space/);
    await expect(runNode('ar-sampler', {}, { model: diffusion, prompt: prompt('cat') })).rejects.toThrow(/is a diffusion model, which offers no token-by-token sampling/);
    await expect(runNode('likelihood', {}, { model: diffusion, images: img, prompt: prompt('cat') })).rejects.toThrow(/offers no per-token likelihood/);
    await expect(runNode('lora-trainer', { adapter: 'prefix', steps: 1 }, { model: diffusion, images: img })).rejects.toThrow(/is a diffusion pack: its adapters are LoRA/);
  });
});
