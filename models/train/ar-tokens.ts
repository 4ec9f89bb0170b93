// The AR transformer's real training data: the held-in emoji (split 'train', every style) as token
// grids of the trained image tokenizer, with their captions' ids. The image tokenizer is the one
// its trainer left in <checkpoints>/ar-tokenizer (or ar-tokenizer-vq), else the AR pack's. Each
// image's VAE latent (posterior mean × the pack's scaling factor, what the tokenizer was trained on)
// is encoded once into tokens, and the grids are cached in the transformer's run folder, keyed by
// the tokenizer's exact weights: a retrained tokenizer re-encodes. The source's key carries the
// tokenizer's fingerprint (sha256 of its weights rounded to float16, so the tokenizer is the same one
// whether its checkpoint or the pack stores it, in float32 or float16), so a run resumes only on the
// same tokenizer and the pack export can check that the transformer was trained on the one it ships.
// The latents themselves are the tokenizer trainer's cache (ar-latents.ts writes the same file).
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { i64, readSafetensors, type Tensor, writeSafetensors } from '../../ml/index.ts';
import { nodeBackend } from '../../ml/session/node.ts';
import { arTokenizerArchitecture, tokenizerConfigFrom, tokenizerWeightShapes } from '../ar/architecture.ts';
import { type ArTokenizerConfig, arTokenizerConfigSchema, codebookSize, tokenGrid } from '../ar/config.ts';
import { loadArPack } from '../ar/pack.ts';
import type { TokenSource } from '../ar/token-source.ts';
import { TokenizerSession } from '../ar/tokenizer-session.ts';
import type { EmojiItem } from '../data/catalog.ts';
import { heldOutConcepts, loadEmojiDataset } from '../data/emoji.ts';
import { vaeConfigSchema } from '../diffusion/vae.ts';
import { toFloat16, toFloat32 } from '../pack/half.ts';
import { requireFamily, sha256Hex } from '../pack/load.ts';
import type { ComponentEntry } from '../pack/manifest.ts';
import { EMOJI_PACK_DIR, fileFetchBytes, readDiffusionManifest, readManifest } from '../pack/write.ts';
import type { Tokenizer } from '../text/tokenizer.ts';
import { type CheckpointState, hasCheckpoint, loadCheckpoint } from './checkpoint.ts';
import { encodeLatents } from './latents.ts';

/** The tokenizer trainer's run folder for a quantizer (ar-tokenizer.train.ts names them so). */
export const tokenizerRunName = (quantizer: 'fsq' | 'vq' = 'fsq') => (quantizer === 'vq' ? 'ar-tokenizer-vq' : 'ar-tokenizer');

/** The VAE whose latents a tokenizer reads: where its weights are, and the latent's scale. */
export interface LatentVae {
  dir: string;
  entry: ComponentEntry;
  scale: number;
}

export interface ImageTokenizer {
  config: ArTokenizerConfig;
  /** Every 'tok.*' weight, float32. */
  weights: Record<string, Tensor>;
  /** sha256 of the weights rounded to float16 (tokenizerFingerprint): what the source's key names. */
  fingerprint: string;
  /** Where it came from, for messages. */
  origin: string;
  /** Its training run's state, when it came from a checkpoint. */
  run?: { dir: string; state: CheckpointState };
  /** The AR pack's entry, when it came from the pack. */
  packEntry?: ComponentEntry;
  /** The VAE it was trained on: its sha256 (or the first hex digits of it that its run recorded) and scale, when known. */
  trainedOn: { vaeSha256: string | null; scale: number | null };
}

/**
 * sha256 of the weights rounded to float16, as one safetensors file (names sorted, no metadata):
 * the same tokenizer has the same fingerprint in its checkpoint (float32) and in a pack that stores
 * it in float16 (the export stores it so only when that keeps its tokens: HALF_CHECK in ar-export.ts).
 */
export async function tokenizerFingerprint(weights: Record<string, Tensor>): Promise<string> {
  return sha256Hex(writeSafetensors(Object.fromEntries(Object.entries(weights).map(([k, t]) => [k, toFloat16(toFloat32(t))]))));
}

/** sha256 of the exact float32 weights: what cached grids are keyed by (they were encoded by exactly these). */
const exactSha = (weights: Record<string, Tensor>) => sha256Hex(writeSafetensors(Object.fromEntries(Object.entries(weights).map(([k, t]) => [k, toFloat32(t)]))));

/** The fingerprint inside a token source's key (see emojiTokenSource), or null for data of another kind. */
export function fingerprintOfKey(key: unknown): string | null {
  return typeof key === 'string' ? (/^ar-tokenizer ([0-9a-f]{64}) /.exec(key)?.[1] ?? null) : null;
}

/** The image tokenizer of a training run's checkpoint (the last one it wrote), its weights checked against its config. */
export async function imageTokenizerFromRun(dir: string): Promise<ImageTokenizer> {
  const { state, params } = loadCheckpoint(dir);
  if (state.model !== 'ar-tokenizer' && state.model !== 'ar-tokenizer-vq') throw new Error(`the checkpoint in ${dir} is of model "${state.model}", not an AR image tokenizer`);
  const parsed = arTokenizerConfigSchema.safeParse(state.settings.config);
  if (!parsed.success) throw new Error(`the checkpoint in ${dir} has no tokenizer config: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  const config = tokenizerConfigFrom(arTokenizerArchitecture(parsed.data));
  const weights: Record<string, Tensor> = {};
  for (const [name, shape] of Object.entries(tokenizerWeightShapes(arTokenizerArchitecture(config)))) {
    const t = params[name];
    if (!t || t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i]))
      throw new Error(`the checkpoint in ${dir} has ${t ? `"${name}" of [${t.shape}]` : `no "${name}"`}; its tokenizer config needs [${shape}]`);
    weights[name] = toFloat32(t);
  }
  // ar-latents.ts keys its data 'vae <first 16 hex of its sha256> ×<scale> …'.
  const m = /^vae ([0-9a-f]{16}) ×(\S+) /.exec(String(state.settings.data ?? ''));
  return {
    config,
    weights,
    fingerprint: await tokenizerFingerprint(weights),
    origin: `the ${state.model} checkpoint in ${dir} (step ${state.step} of ${state.totalSteps}${state.settings.smoke ? ', a smoke run' : ''})`,
    run: { dir, state },
    trainedOn: { vaeSha256: m?.[1] ?? null, scale: m ? Number(m[2]) : null },
  };
}

/** The image tokenizer of the AR pack in `dir`, or null when the folder holds no AR pack. */
export async function imageTokenizerFromPack(dir: string): Promise<ImageTokenizer | null> {
  const m = existsSync(join(dir, 'manifest.json')) ? readManifest(dir) : null;
  if (m?.family !== 'autoregressive') return null;
  const pack = await loadArPack(fileFetchBytes(dir), { components: ['imageTokenizer'] });
  const { config, weights } = pack.imageTokenizer!;
  return {
    config,
    weights,
    fingerprint: await tokenizerFingerprint(weights),
    origin: `the AR pack in ${dir}`,
    packEntry: m.components.imageTokenizer,
    trainedOn: { vaeSha256: m.components.vae.sha256, scale: m.latent.scalingFactor },
  };
}

export interface FindTokenizerOptions {
  checkpoints: string;
  quantizer?: 'fsq' | 'vq';
  /** The AR pack's folder, looked in when no run has a checkpoint. */
  pack: string;
  /** A smoke run may use a smoke tokenizer; a real one refuses it. */
  smoke: boolean;
}

/** The trained image tokenizer: its run's checkpoint, else the AR pack's; null when neither exists. */
export async function findImageTokenizer(o: FindTokenizerOptions): Promise<ImageTokenizer | null> {
  const run = join(o.checkpoints, tokenizerRunName(o.quantizer));
  if (hasCheckpoint(run)) {
    const t = await imageTokenizerFromRun(run);
    if (!o.smoke && t.run?.state.settings.smoke)
      throw new Error(`the image tokenizer in ${run} is a smoke run's (a few images, a tiny network): train the real one first (npm run train -- ${tokenizerRunName(o.quantizer)}${o.quantizer === 'vq' ? ' --quantizer vq' : ''})`);
    return t;
  }
  return imageTokenizerFromPack(o.pack);
}

/**
 * The VAE to encode images with for this tokenizer: the AR pack's copy for the pack's tokenizer,
 * else the diffusion pack's, which must be the one the tokenizer was trained on.
 */
export function latentVaeFor(t: ImageTokenizer, diffusionPack = EMOJI_PACK_DIR, arPack?: string): LatentVae {
  if (t.packEntry && arPack) {
    const m = requireFamily(readManifest(arPack)!, 'autoregressive');
    return { dir: arPack, entry: m.components.vae, scale: m.latent.scalingFactor };
  }
  const m = readDiffusionManifest(diffusionPack);
  const entry = m?.components.vae;
  if (!m || !entry) throw new Error(`no trained VAE in ${diffusionPack} (manifest.json lists no vae): train it first (npm run train -- vae)`);
  checkTrainedOn(t, entry.sha256, m.latent.scalingFactor, diffusionPack);
  return { dir: diffusionPack, entry, scale: m.latent.scalingFactor };
}

/** Refuses a VAE or scale other than the one the tokenizer learned to read. */
export function checkTrainedOn(t: ImageTokenizer, vaeSha256: string, scale: number, where: string): void {
  const { vaeSha256: want, scale: wantScale } = t.trainedOn;
  if (want && !vaeSha256.startsWith(want))
    throw new Error(`${t.origin} was trained on the latents of another VAE (sha256 ${want.slice(0, 12)}…) than the one in ${where} (${vaeSha256.slice(0, 12)}…): retrain it (npm run train -- ar-tokenizer)`);
  if (wantScale !== null && Math.abs(wantScale - scale) > 1e-6 * Math.abs(scale))
    throw new Error(`${t.origin} was trained on latents scaled by ${wantScale}, but ${where} scales them by ${scale}: retrain it (npm run train -- ar-tokenizer)`);
}

export interface EmojiTokenSourceOptions {
  tokenizer: ImageTokenizer;
  vae: LatentVae;
  /** The caption tokenizer (the text encoder's). */
  captions: Tokenizer;
  /** Where the token grids are cached (the transformer's run folder). */
  cacheDir: string;
  /** Where the VAE latents of the train split are cached (shared with the tokenizer's trainer). */
  latentCache: string;
  threads: number;
  /** Only this many images, spread over the split (smoke runs). */
  limit?: number;
  log: (line: string) => void;
}

export const TOKENS_CACHE = 'tokens.safetensors';

/** The held-in emoji as token grids and caption ids (encoded on first use, then read from the cache). */
export async function emojiTokenSource(o: EmojiTokenSourceOptions): Promise<TokenSource> {
  const items = spreadItems(loadEmojiDataset({ split: 'train' }), o.limit);
  // The split is by concept; checked again here because nothing else stands between a held-out image and the transformer.
  const held = heldOutConcepts();
  const leak = items.find((it) => held.has(it.concept));
  if (leak) throw new Error(`[ar] the training items hold ${leak.id}, of a held-out concept`);
  if (!items.length) throw new Error('[ar] the emoji train split is empty');

  const { config, fingerprint } = o.tokenizer;
  const { count: N, side } = tokenGrid(config);
  const n = items.length;
  const cacheKey = `${await exactSha(o.tokenizer.weights)}:${o.vae.entry.sha256}:${o.vae.scale}:${n}:${items[0].id}:${items.at(-1)!.id}`;
  const cacheFile = join(o.cacheDir, TOKENS_CACHE);
  let tokens = readCachedTokens(cacheFile, cacheKey, n * N);
  if (!tokens) {
    o.log(`[ar] encoding ${n} images into ${side}×${side} token grids with ${o.tokenizer.origin}`);
    tokens = await encodeTokens(items, o);
    mkdirSync(dirname(cacheFile), { recursive: true });
    writeFileSync(`${cacheFile}.tmp`, writeSafetensors({ tokens: i64([n, N], tokens) }, { key: cacheKey }));
    renameSync(`${cacheFile}.tmp`, cacheFile);
  }
  const L = o.captions.maxLength;
  const ids = items.map((it) => o.captions.encode(it.caption).ids);
  const grids = tokens;
  return {
    count: n,
    codebookSize: codebookSize(config.quantizer),
    gridSize: side,
    key: `ar-tokenizer ${fingerprint} · ${n} held-in images (vae ${o.vae.entry.sha256.slice(0, 12)} ×${o.vae.scale})`,
    description: `${n} held-in emoji of every style as ${side}×${side} grids of ${codebookSize(config.quantizer)} ${config.quantizer.kind.toUpperCase()} codes, from ${o.tokenizer.origin}`,
    async batch(indices) {
      const t = new BigInt64Array(indices.length * N);
      indices.forEach((i, k) => t.set(grids.subarray(i * N, (i + 1) * N), k * N));
      return { tokens: i64([indices.length, N], t), ids: i64([indices.length, L], indices.flatMap((i) => ids[i])) };
    },
  };
}

function readCachedTokens(file: string, key: string, size: number): BigInt64Array | null {
  if (!existsSync(file)) return null;
  const { tensors, metadata } = readSafetensors(new Uint8Array(readFileSync(file)));
  const t = tensors.tokens;
  return metadata.key === key && t?.dtype === 'int64' && t.data.length === size ? (t.data as BigInt64Array) : null;
}

/** VAE latents (cached) → scaled → the tokenizer's encode graph → [n·N] token ids. */
async function encodeTokens(items: EmojiItem[], o: EmojiTokenSourceOptions): Promise<BigInt64Array> {
  const file = join(o.vae.dir, o.vae.entry.weights);
  const vaeWeights = Object.fromEntries(Object.entries(readSafetensors(new Uint8Array(readFileSync(file))).tensors).map(([k, t]) => [k, toFloat32(t)]));
  const set = await encodeLatents({
    items,
    vae: { config: vaeConfigSchema.parse(o.vae.entry.architecture), weights: vaeWeights, sha256: o.vae.entry.sha256 },
    backend: nodeBackend,
    threads: o.threads,
    cacheFile: o.latentCache,
    onProgress: (d, total) => (d % 2048 === 0 || d === total) && o.log(`[ar] encoding train latents ${d}/${total}`),
  });
  const session = new TokenizerSession(o.tokenizer.config, o.tokenizer.weights, { backend: nodeBackend, threads: o.threads });
  try {
    return await session.encode(set.mean.map((v) => v * o.vae.scale), set.count);
  } finally {
    await session.release();
  }
}

/** n items evenly spread over the list (every style in a small sample), or all of them. */
function spreadItems(items: EmojiItem[], n: number | undefined): EmojiItem[] {
  if (n === undefined || n >= items.length) return items;
  return Array.from({ length: n }, (_, k) => items[Math.floor((k * items.length) / n)]);
}
