// Where the denoiser's examples come from: the emoji training split of every style encoded by the
// pack's VAE (its weights and the latent scaling factor read from the pack folder), or, for smoke
// tests, a handful of synthetic latents whose content follows their made-up captions. The captions
// are tokenized with the vocabulary of the current training split, not the manifest's: a pack made
// before the styles it now trains on has no words for them ("fluent-flat"), and the export writes
// the new vocabulary into the manifest with the text encoder that learned it.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Backend, readSafetensors, type Rng } from '../../ml/index.ts';
import { loadEmojiDataset } from '../data/emoji.ts';
import { vaeConfigSchema } from '../diffusion/vae.ts';
import { toFloat32 } from '../pack/half.ts';
import { sha256Hex } from '../pack/load.ts';
import { readDiffusionManifest } from '../pack/write.ts';
import { emojiTokenizerConfig } from '../text/emoji-vocab.ts';
import { buildTokenizerConfig, Tokenizer } from '../text/tokenizer.ts';
import { encodeLatents, latentScale, sampleLatent } from './latents.ts';

export interface DenoiserData {
  tokenizer: Tokenizer;
  /** Token ids of each example's caption. */
  ids: number[][];
  /** The empty prompt: what dropped captions become, and what guidance conditions "uncond" on. */
  emptyIds: number[];
  count: number;
  latentChannels: number;
  latentSide: number;
  /** Writes a fresh draw of example `index`'s scaled latent into out[offset…]. */
  sample(index: number, rng: Rng, out: Float32Array, offset: number): void;
  /** For the recipe: what was trained on. */
  description: string;
  /** Identifies the data (the VAE's sha256 and scale): a resumed run must train on the same latents. */
  key: string;
}

interface DataOptions {
  packDir: string;
  /** Where the latent cache goes (its own subfolder). */
  cacheDir: string;
  threads: number;
  synthetic?: number;
}

export async function denoiserData(o: DataOptions, backend: Backend, log: (s: string) => void): Promise<DenoiserData> {
  if (o.synthetic) return syntheticData(o.synthetic);
  const manifest = readDiffusionManifest(o.packDir);
  const entry = manifest?.components.vae;
  if (!manifest || !entry) throw new Error(`no trained VAE in ${o.packDir} (manifest.json lists no vae): train it first (npm run train -- vae)`);
  const vaeConfig = vaeConfigSchema.parse(entry.architecture);
  const bytes = new Uint8Array(readFileSync(join(o.packDir, entry.weights)));
  const weights = Object.fromEntries(Object.entries(readSafetensors(bytes).tensors).map(([k, t]) => [k, toFloat32(t)]));
  const items = loadEmojiDataset({ split: 'train' });
  const set = await encodeLatents({
    items,
    vae: { config: vaeConfig, weights, sha256: entry.sha256 },
    backend,
    threads: o.threads,
    cacheFile: join(o.cacheDir, 'denoiser-latents', 'latents.safetensors'),
    onProgress: (d, n) => d % 1024 === 0 && log(`encoding latents ${d}/${n}`),
  });
  let scale = manifest.latent.scalingFactor;
  if (scale === 1) {
    scale = latentScale(set);
    log(`the manifest has no latent scaling factor yet; using 1/std of the latent means = ${scale.toFixed(4)}`);
  }
  const tokenizer = new Tokenizer(emojiTokenizerConfig());
  const added = tokenizer.config.vocab.filter((w) => !manifest.tokenizer.vocab.includes(w));
  if (added.length || tokenizer.vocabSize !== manifest.tokenizer.vocab.length)
    log(`the training captions' vocabulary (${tokenizer.vocabSize} tokens) replaces the manifest's (${manifest.tokenizer.vocab.length}); new words: ${added.join(', ') || 'none'}`);
  const styles = [...new Set(items.map((it) => it.style))];
  const vocabHash = (await sha256Hex(new Uint8Array(Buffer.from(tokenizer.config.vocab.join('\n'))))).slice(0, 16);
  const side = vaeConfig.resolution / 2 ** (vaeConfig.channels.length - 1);
  return {
    tokenizer,
    ids: items.map((it) => tokenizer.encode(it.caption).ids),
    emptyIds: tokenizer.encode('').ids,
    count: items.length,
    latentChannels: vaeConfig.latentChannels,
    latentSide: side,
    sample: (i, rng, out, off) => sampleLatent(set, i, scale, rng, out, off),
    description: `emoji train split, ${styles.length} styles (${styles.join(', ')}), ${items.length} images (held-out concepts excluded), VAE latents ×${scale.toFixed(4)}`,
    key: `vae ${entry.sha256.slice(0, 16)} ×${scale}, ${items.length} images, vocab ${vocabHash}`,
  };
}

/**
 * `n` examples of 4×8×8 latents: caption "shape k colour j" sets which quadrant is bright and the
 * sign of the channels, so a model that reads its prompt can lower the loss below one that cannot.
 */
function syntheticData(n: number): DenoiserData {
  const captions = Array.from({ length: n }, (_, k) => `shape ${k % 4} colour ${k % 3}`);
  const tokenizer = new Tokenizer(buildTokenizerConfig(captions, { maxLength: 8, placeholders: 2 }));
  const side = 8;
  const size = 4 * side * side;
  const means = captions.map((_, k) => {
    const m = new Float32Array(size);
    for (let c = 0; c < 4; c++)
      for (let y = 0; y < side; y++)
        for (let x = 0; x < side; x++) {
          const q = (y < side / 2 ? 0 : 2) + (x < side / 2 ? 0 : 1);
          m[(c * side + y) * side + x] = (q === k % 4 ? 1.5 : -0.5) * ((k % 3) - 1 || 1) * (c % 2 ? 1 : -1);
        }
    return m;
  });
  return {
    tokenizer,
    ids: captions.map((c) => tokenizer.encode(c).ids),
    emptyIds: tokenizer.encode('').ids,
    count: n,
    latentChannels: 4,
    latentSide: side,
    sample: (i, rng, out, off) => {
      for (let j = 0; j < size; j++) out[off + j] = means[i][j] + 0.05 * rng.normal();
    },
    description: `${n} synthetic latents (smoke test)`,
    key: `synthetic ${n}`,
  };
}
