// The AR family end to end on smoke runs in a temporary folder: the image tokenizer's trainer, then
// the transformer's on the real token source (held-in emoji through that tokenizer, cached in the
// run folder), whose finished run exports the AR pack, which loadArPack reads back. Then what the
// export refuses (grids of another tokenizer, synthetic grids, a folder of another family, a pack
// over budget), a real run that finds no tokenizer or only a smoke one, and the command line.
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { f32, readSafetensors, Rng } from '../../ml/index.ts';
import { nodeBackend } from '../../ml/session/node.ts';
import { arLoraLayers } from '../ar/architecture.ts';
import { loadArPack } from '../ar/pack.ts';
import { ArSampler } from '../ar/sample.ts';
import { TokenizerSession } from '../ar/tokenizer-session.ts';
import { heldOutConcepts, loadEmojiDataset } from '../data/emoji.ts';
import { VaeDecoderSession } from '../eval/vae-decode.ts';
import { toFloat16, toFloat32 } from '../pack/half.ts';
import { PackError } from '../pack/load.ts';
import { EMOJI_PACK_DIR, fileFetchBytes, readDiffusionManifest, readManifest } from '../pack/write.ts';
import { Tokenizer } from '../text/tokenizer.ts';
import { AR_PACK_BUDGET_BYTES, exportArPack, HALF_CHECK } from './ar-export.ts';
import { emojiTokenSource, findImageTokenizer, fingerprintOfKey, imageTokenizerFromRun, latentVaeFor, TOKENS_CACHE, tokenizerFingerprint } from './ar-tokens.ts';
import { train as trainTokenizer } from './ar-tokenizer.train.ts';
import { exportOnly, train, trainAr } from './ar.train.ts';
import { type Checkpoint, loadCheckpoint, saveCheckpoint } from './checkpoint.ts';
import { parseTrainArgs } from './cli.ts';
import { trainOptionsSchema } from './options.ts';

const root = mkdtempSync(join(tmpdir(), 'ar-export-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const ckpt = join(root, 'ckpt');
const packDir = join(root, 'pack');
const opts = (extra: Record<string, unknown> = {}) => ({ ...trainOptionsSchema.parse({ checkpoints: ckpt, out: packDir, smoke: true, ...extra }), log: () => {} });
const diffusion = readDiffusionManifest(EMOJI_PACK_DIR)!;
const captions = new Tokenizer(diffusion.tokenizer);
let transformer: Checkpoint;
const lines: string[] = [];

beforeAll(async () => {
  await trainTokenizer(opts({ steps: 4 }));
  const r = await train({ ...opts({ steps: 4 }), log: (l) => lines.push(l) });
  expect(r).toMatchObject({ interrupted: false, step: 4 });
  expect(r.exported).toBeDefined();
  transformer = loadCheckpoint(join(ckpt, 'ar'));
}, 240_000);

describe('the emoji token source', () => {
  it('gives the held-in images as the tokenizer’s grids of their latents, with their captions, cached by the tokenizer’s fingerprint', async () => {
    const tokenizer = (await imageTokenizerFromRun(join(ckpt, 'ar-tokenizer')))!;
    expect(fingerprintOfKey(transformer.state.settings.data)).toBe(tokenizer.fingerprint);
    expect(lines.some((l) => l.startsWith('[ar] encoding 12 images into 8×8 token grids'))).toBe(true);
    expect(existsSync(join(ckpt, 'ar', TOKENS_CACHE))).toBe(true);

    // Again: read from the cache, and the same as encoding the cached latents anew.
    const log: string[] = [];
    const make = () => emojiTokenSource({ tokenizer, vae: latentVaeFor(tokenizer), captions, cacheDir: join(ckpt, 'ar'), latentCache: join(ckpt, 'ar-tokenizer', 'latents', 'train.safetensors'), threads: 1, limit: 12, log: (l) => log.push(l) });
    const source = await make();
    expect(log).toEqual([]);
    expect(source).toMatchObject({ count: 12, codebookSize: 1000, gridSize: 8, key: transformer.state.settings.data });
    const all = Array.from({ length: 12 }, (_, i) => i);
    const { tokens, ids } = await source.batch(all, new Rng(0));
    const latents = readSafetensors(new Uint8Array(readFileSync(join(ckpt, 'ar-tokenizer', 'latents', 'train.safetensors')))).tensors.mean;
    expect(latents.shape[0]).toBe(12);
    const session = new TokenizerSession(tokenizer.config, tokenizer.weights, { backend: nodeBackend });
    const fresh = await session.encode((latents.data as Float32Array).map((v) => v * diffusion.latent.scalingFactor), 12).finally(() => session.release());
    expect(tokens.data).toEqual(fresh);
    expect(new Set(fresh).size).toBeGreaterThan(1);

    // The items: spread over the train split (every style), never a held-out concept; ids are their captions'.
    const split = loadEmojiDataset({ split: 'train' });
    const items = all.map((k) => split[Math.floor((k * split.length) / 12)]);
    expect(new Set(items.map((it) => it.style)).size).toBeGreaterThan(3);
    const held = heldOutConcepts();
    expect(items.some((it) => held.has(it.concept))).toBe(false);
    expect(Array.from(ids.data as BigInt64Array, Number)).toEqual(items.flatMap((it) => captions.encode(it.caption).ids));

    // Other weights: another fingerprint, so the cached grids (copied beside) are not reused.
    const weights = { ...tokenizer.weights, 'tok.encoder.conv_out.bias': f32([4], [0.3, -0.2, 0.1, 0]) };
    const other = { ...tokenizer, weights, fingerprint: await tokenizerFingerprint(weights) };
    expect(other.fingerprint).not.toBe(tokenizer.fingerprint);
    const cacheDir = join(root, 'other-cache');
    mkdirSync(cacheDir);
    copyFileSync(join(ckpt, 'ar', TOKENS_CACHE), join(cacheDir, TOKENS_CACHE));
    const again = await emojiTokenSource({ tokenizer: other, vae: latentVaeFor(tokenizer), captions, cacheDir, latentCache: join(ckpt, 'ar-tokenizer', 'latents', 'train.safetensors'), threads: 1, limit: 12, log: (l) => log.push(l) });
    expect(fingerprintOfKey(again.key)).toBe(other.fingerprint);
    expect(log.filter((l) => l.startsWith('[ar] encoding 12 images'))).toHaveLength(1);
  }, 60_000);
});

describe('exportArPack', () => {
  it('writes the tokenizer, the transformer’s EMA weights and copies of the diffusion pack’s three components; loadArPack reads them back and they render', async () => {
    const m = readManifest(packDir);
    if (m?.family !== 'autoregressive') throw new Error('no AR pack was exported');
    const pack = await loadArPack(fileFetchBytes(packDir));
    const c = pack.manifest.components;
    const settings = transformer.state.settings as { config: typeof pack.model };
    expect(pack.model).toEqual(settings.config);
    expect(pack.manifest.lora).toEqual([{ component: 'transformer', kind: 'attention', layers: arLoraLayers(settings.config.transformer) }]);
    expect(pack.manifest.inversionSpaces).toEqual(['tokens', 'token-embedding', 'weights', 'prefix']);
    expect(pack.manifest.dataset.heldOutConcepts).toHaveLength(held().size);
    // The shipped transformer is the EMA (not the raw weights), rounded as its dtype stores it.
    const stored = (v: Float32Array, dtype: string) => (dtype === 'float16' ? (toFloat32(toFloat16(f32([v.length], v))).data as Float32Array) : v);
    for (const name of ['ar.head.weight', 'ar.blocks.0.attn.to_q.weight', 'ar.empty_caption']) {
      const ema = transformer.optimizer[`ema/${name}`].data as Float32Array;
      expect(pack.transformer![name].data, name).toEqual(stored(ema, c.transformer.dtype));
      expect(ema).not.toEqual(transformer.params[name].data);
    }
    const tokCkpt = loadCheckpoint(join(ckpt, 'ar-tokenizer'));
    for (const [name, t] of Object.entries(tokCkpt.params)) expect(pack.imageTokenizer!.weights[name].data, name).toEqual(stored(t.data as Float32Array, c.imageTokenizer.dtype));
    // The copies are the diffusion pack's files, byte for byte, under their own entries.
    for (const name of ['textEncoder', 'vae', 'evaluator'] as const) {
      expect(c[name], name).toEqual(diffusion.components[name]);
      expect(readFileSync(join(packDir, c[name].weights)).equals(readFileSync(join(EMOJI_PACK_DIR, c[name].weights))), name).toBe(true);
    }
    expect(pack.manifest.tokenizer).toEqual(diffusion.tokenizer);
    expect(pack.manifest.latent).toEqual(diffusion.latent);
    // Recipes and the last measurements of each run.
    expect(c.transformer.recipe).toMatchObject({ steps: 4, batch: 8, threads: 1, seed: 0 });
    expect(c.transformer.recipe!.notes).toMatch(new RegExp(`stored ${c.transformer.dtype} \\(float16 keeps the most likely token at [0-9.]+% of ${HALF_CHECK.captions.length}×64 greedy positions`));
    expect(c.transformer.metrics?.trainProbeNll).toBeGreaterThan(0);
    expect(c.imageTokenizer.recipe).toMatchObject({ steps: 4, batch: 4 });
    expect(c.imageTokenizer.metrics?.codeUsage).toBeGreaterThan(0);
    expect(c.imageTokenizer.metrics?.heldOutLatentMse).toBeGreaterThan(0);

    // Sampling → tokens → latent → image, from the pack alone.
    const sampler = ArSampler.create(pack.model, { ...pack.transformer, ...pack.textEncoder!.weights }, { backend: nodeBackend });
    const { tokens } = await sampler.sample([captions.encode('red heart, noto style').ids, captions.encode('dog face, twemoji style').ids], { seed: 3, topK: 50 }).finally(() => sampler.release());
    const tok = new TokenizerSession(pack.imageTokenizer!.config, pack.imageTokenizer!.weights, { backend: nodeBackend, batch: 2 });
    const latent = await tok.decode(tokens, 2).finally(() => tok.release());
    const vae = await VaeDecoderSession.create(pack.vae!.config, pack.vae!.weights, pack.scalingFactor, nodeBackend, { batch: 2 });
    const images = await vae.decode(latent, 2).finally(() => vae.release());
    expect(images.length).toBe(2 * 3 * 64 * 64);
    expect(images.every((v) => v >= -1 && v <= 1)).toBe(true);
  }, 60_000);

  it('measures float16 and picks it when it passes; forced dtypes are kept; a pack over budget leaves no manifest', async () => {
    const dir = join(root, 'dtypes');
    const e = await exportArPack({ tokenizerRun: join(ckpt, 'ar-tokenizer'), transformerRun: join(ckpt, 'ar'), dir, threads: 1 });
    expect(e.half.transformerAgreement).toBeGreaterThan(0);
    expect(e.half.transformerAgreement).toBeLessThanOrEqual(1);
    expect(e.transformer.dtype).toBe(e.half.transformerAgreement >= HALF_CHECK.minAgreement ? 'float16' : 'float32');
    expect(e.imageTokenizer.dtype).toBe(e.half.tokenizerLevels! < HALF_CHECK.maxLevels && e.half.tokenizerAgreement! >= HALF_CHECK.minAgreement ? 'float16' : 'float32');
    expect(e.packBytes).toBeLessThan(AR_PACK_BUDGET_BYTES);

    const f32Dir = join(root, 'float32');
    const full = await exportArPack({ tokenizerRun: join(ckpt, 'ar-tokenizer'), transformerRun: join(ckpt, 'ar'), dir: f32Dir, threads: 1, dtype: { transformer: 'float32', imageTokenizer: 'float32' } });
    expect([full.transformer.dtype, full.imageTokenizer.dtype]).toEqual(['float32', 'float32']);
    expect(full.transformer.bytes).toBeGreaterThan(e.transformer.dtype === 'float16' ? 1.9 * e.transformer.bytes : e.transformer.bytes - 1);

    const tight = join(root, 'tight');
    await expect(exportArPack({ tokenizerRun: join(ckpt, 'ar-tokenizer'), transformerRun: join(ckpt, 'ar'), dir: tight, threads: 1, budgetBytes: 1e6 })).rejects.toThrow(/the AR pack in .* would be [0-9.]+ MB, over its 1 MB budget \(transformer float/);
    expect(existsSync(join(tight, 'manifest.json'))).toBe(false);
  }, 120_000);

  it('keeps the pack’s own tokenizer when there is no tokenizer run, and refuses a transformer trained on other grids', async () => {
    const dir = join(root, 'keep');
    const first = await exportArPack({ tokenizerRun: join(ckpt, 'ar-tokenizer'), transformerRun: join(ckpt, 'ar'), dir, threads: 1 });
    const kept = await exportArPack({ transformerRun: join(ckpt, 'ar'), dir, threads: 1 });
    expect(kept.imageTokenizer).toEqual(first.imageTokenizer);
    expect(kept.notes.join()).toMatch(/kept the pack's image tokenizer/);
    // The pack's tokenizer (stored float16 or not) is what a transformer trained on it would be keyed by.
    const fromPack = (await findImageTokenizer({ checkpoints: join(root, 'none'), pack: dir, smoke: false }))!;
    expect(fromPack.origin).toMatch(/the AR pack in/);
    expect(fromPack.fingerprint).toBe(fingerprintOfKey(transformer.state.settings.data));

    // A transformer whose grids came from another tokenizer.
    const other = join(root, 'other', 'ar');
    saveCheckpoint(other, { ...transformer, state: { ...transformer.state, settings: { ...transformer.state.settings, data: `ar-tokenizer ${'a'.repeat(64)} · 12 held-in images` } } });
    await expect(exportArPack({ tokenizerRun: join(ckpt, 'ar-tokenizer'), transformerRun: other, dir: join(root, 'x'), threads: 1 })).rejects.toThrow(/trained on the grids of another image tokenizer \(fingerprint aaaaaaaaaaaa…\) than the ar-tokenizer checkpoint/);
    // On synthetic grids: nothing to pack.
    saveCheckpoint(other, { ...transformer, state: { ...transformer.state, settings: { ...transformer.state.settings, data: 'synthetic 24×64 of 1000, noise 0.1' } } });
    await expect(exportArPack({ tokenizerRun: join(ckpt, 'ar-tokenizer'), transformerRun: other, dir: join(root, 'x'), threads: 1 })).rejects.toThrow(/trained on synthetic 24×64 .*not on an image tokenizer's grids/);
    // On another text encoder.
    saveCheckpoint(other, { ...transformer, state: { ...transformer.state, settings: { ...transformer.state.settings, textEncoder: 'b'.repeat(64) } } });
    await expect(exportArPack({ tokenizerRun: join(ckpt, 'ar-tokenizer'), transformerRun: other, dir: join(root, 'x'), threads: 1 })).rejects.toThrow(/trained on another text encoder/);
    // The tokenizer's checkpoint given as the transformer's.
    await expect(exportArPack({ tokenizerRun: join(ckpt, 'ar-tokenizer'), transformerRun: join(ckpt, 'ar-tokenizer'), dir: join(root, 'x'), threads: 1 })).rejects.toThrow(/is of model "ar-tokenizer", not ar/);
  }, 120_000);

  it('refuses a folder holding a diffusion pack, touching nothing', async () => {
    const dir = join(root, 'diffusion');
    mkdirSync(dir);
    copyFileSync(join(EMOJI_PACK_DIR, 'manifest.json'), join(dir, 'manifest.json'));
    const err = await exportArPack({ tokenizerRun: join(ckpt, 'ar-tokenizer'), transformerRun: join(ckpt, 'ar'), dir, threads: 1 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PackError);
    expect((err as Error).message).toMatch(/exporting the AR pack into .* needs an AR \(autoregressive\) pack; "emoji-diffusion" is a diffusion \(latent-diffusion\) pack/);
    expect(existsSync(join(dir, 'transformer.safetensors'))).toBe(false);
    expect(existsSync(join(dir, 'text-encoder.safetensors'))).toBe(false);
  }, 60_000);
});

describe('npm run train -- ar', () => {
  it('exports into the AR pack by default, and --export-only writes it from the checkpoints alone', async () => {
    expect(parseTrainArgs(['ar'])!.options.out).toMatch(/public\/models\/emoji-ar$/);
    expect(parseTrainArgs(['ar', '--smoke'])!.options.out).toMatch(/smoke-ar-pack$/);
    expect(parseTrainArgs(['gan'])!.options.out).toMatch(/public\/models\/emoji-gan$/);
    const out = join(root, 'export-only');
    const r = await exportOnly({ ...trainOptionsSchema.parse({ checkpoints: ckpt, out, exportOnly: true }), log: () => {} });
    expect(r).toMatchObject({ step: 4, totalSteps: 4, interrupted: false });
    const m = readManifest(out);
    expect(m?.family === 'autoregressive' && m.components.transformer.sha256).toBe(r.exported?.sha256);
  }, 60_000);

  it('a real run needs a real tokenizer: none says to train one, a smoke one is refused', async () => {
    const none = join(root, 'no-tokenizer');
    await expect(trainAr({ ...trainOptionsSchema.parse({ checkpoints: none, out: join(none, 'pack') }), log: () => {} }, (await import('./ar.train.ts')).defaultTokenSource)).rejects.toThrow(
      /no image tokenizer to turn the emoji into token grids: no checkpoint in .*ar-tokenizer and no AR pack in .*; run npm run train -- ar-tokenizer first/,
    );
    await expect(findImageTokenizer({ checkpoints: ckpt, pack: packDir, smoke: false })).rejects.toThrow(/the image tokenizer in .*ar-tokenizer is a smoke run's .*npm run train -- ar-tokenizer\)/);
    await expect(findImageTokenizer({ checkpoints: ckpt, quantizer: 'vq', pack: join(root, 'nowhere'), smoke: true })).resolves.toBeNull();
  }, 60_000);
});

const held = () => heldOutConcepts();
