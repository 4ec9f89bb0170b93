// The denoiser's training data: every training image encoded once by the trained VAE into the mean
// and log-variance of its latent, cached in a safetensors file keyed by the VAE weights' sha256 (a
// retrained VAE invalidates the cache). Each training step then draws z = μ + σ·n afresh, which is
// what encoding on the fly would give, at no encoder cost.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { type Backend, f32, type Rng, readSafetensors, type Tensor, toOnnxBytes, writeSafetensors } from '../../ml/index.ts';
import type { EmojiItem } from '../data/catalog.ts';
import { loadPixels, pixelBatch } from '../data/pixels.ts';
import { buildVaeEncode, type VaeConfig } from '../diffusion/vae.ts';

export interface LatentSet {
  /** [n, C, h, w] flat, raw (unscaled) VAE moments. */
  mean: Float32Array;
  logvar: Float32Array;
  /** Values per latent (C·h·w). */
  size: number;
  count: number;
}

export interface EncodeOptions {
  items: readonly EmojiItem[];
  vae: { config: VaeConfig; weights: Record<string, Tensor>; sha256: string };
  backend: Backend;
  threads?: number;
  cacheFile: string;
  batch?: number;
  onProgress?: (done: number, total: number) => void;
}

export async function encodeLatents(opts: EncodeOptions): Promise<LatentSet> {
  const key = `${opts.vae.sha256}:${opts.items.length}:${opts.items[0]?.id}:${opts.items.at(-1)?.id}`;
  if (existsSync(opts.cacheFile)) {
    const { tensors, metadata } = readSafetensors(new Uint8Array(readFileSync(opts.cacheFile)));
    if (metadata.key === key) return fromTensors(tensors.mean, tensors.logvar);
  }
  const batch = opts.batch ?? 64;
  const { graph, params } = buildVaeEncode(opts.vae.config, batch);
  const weights = Object.fromEntries(params.names().map((n) => [n, opts.vae.weights[n]]));
  const missing = params.names().filter((n) => !opts.vae.weights[n]);
  if (missing.length) throw new Error(`VAE weights lack ${missing.slice(0, 3).join(', ')}${missing.length > 3 ? ', …' : ''}`);
  const session = await opts.backend.create(toOnnxBytes(graph), { threads: opts.threads ?? 1 });
  const store = await loadPixels(opts.items);
  const n = opts.items.length;
  const side = opts.vae.config.resolution / 2 ** (opts.vae.config.channels.length - 1);
  const shape = [n, opts.vae.config.latentChannels, side, side];
  const size = shape[1] * shape[2] * shape[3];
  const mean = new Float32Array(n * size);
  const logvar = new Float32Array(n * size);
  try {
    for (let i = 0; i < n; i += batch) {
      // The graph has a static batch: the last, partial batch is padded by repeating its first image.
      const idx = Array.from({ length: batch }, (_, k) => Math.min(i + k, n - 1));
      const out = await session.run({ ...weights, image: pixelBatch(store, idx) }, ['mean', 'logvar']);
      const take = Math.min(batch, n - i) * size;
      mean.set((out.mean.data as Float32Array).subarray(0, take), i * size);
      logvar.set((out.logvar.data as Float32Array).subarray(0, take), i * size);
      opts.onProgress?.(Math.min(i + batch, n), n);
    }
  } finally {
    await session.release();
  }
  mkdirSync(dirname(opts.cacheFile), { recursive: true });
  writeFileSync(`${opts.cacheFile}.tmp`, writeSafetensors({ mean: f32(shape, mean), logvar: f32(shape, logvar) }, { key }));
  renameSync(`${opts.cacheFile}.tmp`, opts.cacheFile);
  return { mean, logvar, size, count: n };
}

function fromTensors(mean: Tensor, logvar: Tensor): LatentSet {
  const size = mean.shape.slice(1).reduce((a, b) => a * b, 1);
  return { mean: mean.data as Float32Array, logvar: logvar.data as Float32Array, size, count: mean.shape[0] };
}

/** z = (μ + exp(logvar/2)·n)·scale for image `index`, written into `out` at `offset`. */
export function sampleLatent(set: LatentSet, index: number, scale: number, rng: Rng, out: Float32Array, offset: number): void {
  const o = index * set.size;
  for (let i = 0; i < set.size; i++) out[offset + i] = (set.mean[o + i] + Math.exp(0.5 * set.logvar[o + i]) * rng.normal()) * scale;
}

/** 1/std of the latent means: the scaling factor that gives the denoiser unit-variance data. */
export function latentScale(set: LatentSet): number {
  let s = 0;
  let s2 = 0;
  for (const v of set.mean) {
    s += v;
    s2 += v * v;
  }
  const n = set.mean.length;
  return 1 / Math.sqrt(s2 / n - (s / n) ** 2);
}
