// The AR tokenizer's data: the diffusion pack's VAE latents of the emoji, as the posterior mean ×
// the pack's scaling factor (the latent the tokenizer reconstructs, and what the VAE decoder gets
// back after dividing by the factor). The held-in images of every style are the training set; the
// held-out concepts are encoded only to measure reconstruction. Both are encoded once and cached
// (latents.ts: keyed by the VAE weights' sha256, so a retrained VAE re-encodes).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readSafetensors } from '../../ml/index.ts';
import { nodeBackend } from '../../ml/session/node.ts';
import type { EmojiItem } from '../data/catalog.ts';
import { loadEmojiDataset } from '../data/emoji.ts';
import { vaeConfigSchema } from '../diffusion/vae.ts';
import { toFloat32 } from '../pack/half.ts';
import { readDiffusionManifest } from '../pack/write.ts';
import { encodeLatents } from './latents.ts';

export interface ArLatentSet {
  /** [count, C, s, s] flat, scaled. */
  latents: Float32Array;
  count: number;
  /** Values per latent. */
  size: number;
}

export interface ArLatents {
  train: ArLatentSet;
  holdout: ArLatentSet;
  /** Identifies the data (VAE sha256, scale, counts): a resumed run must train on the same latents. */
  key: string;
}

interface ArLatentOptions {
  /** The diffusion pack whose VAE and scaling factor are used. */
  packDir: string;
  cacheDir: string;
  threads: number;
  /** Only this many images of each split, spread over it (smoke runs). */
  limit?: { train: number; holdout: number };
  log: (line: string) => void;
}

export async function arLatents(o: ArLatentOptions): Promise<ArLatents> {
  const manifest = readDiffusionManifest(o.packDir);
  const entry = manifest?.components.vae;
  if (!manifest || !entry) throw new Error(`no trained VAE in ${o.packDir} (manifest.json lists no vae): train it first (npm run train -- vae)`);
  const config = vaeConfigSchema.parse(entry.architecture);
  const weights = Object.fromEntries(Object.entries(readSafetensors(new Uint8Array(readFileSync(join(o.packDir, entry.weights)))).tensors).map(([k, t]) => [k, toFloat32(t)]));
  const scale = manifest.latent.scalingFactor;
  const encode = async (split: 'train' | 'holdout', n: number | undefined): Promise<ArLatentSet> => {
    const items = spreadItems(loadEmojiDataset({ split }), n);
    const set = await encodeLatents({
      items,
      vae: { config, weights, sha256: entry.sha256 },
      backend: nodeBackend,
      threads: o.threads,
      cacheFile: join(o.cacheDir, `${split}.safetensors`),
      onProgress: (d, total) => (d % 2048 === 0 || d === total) && o.log(`encoding ${split} latents ${d}/${total}`),
    });
    return { latents: set.mean.map((v) => v * scale), count: set.count, size: set.size };
  };
  const train = await encode('train', o.limit?.train);
  const holdout = await encode('holdout', o.limit?.holdout);
  return { train, holdout, key: `vae ${entry.sha256.slice(0, 16)} ×${scale} train ${train.count} holdout ${holdout.count}` };
}

/** n items evenly spread over the list (every style in a small sample), or all of them. */
function spreadItems(items: EmojiItem[], n: number | undefined): EmojiItem[] {
  if (n === undefined || n >= items.length) return items;
  return Array.from({ length: n }, (_, k) => items[Math.floor((k * items.length) / n)]);
}
