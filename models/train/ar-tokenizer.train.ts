// Trains the AR family's image tokenizer (models/ar/tokenizer.ts) on the diffusion pack's VAE
// latents of the held-in emoji of every style: each image is encoded once (posterior mean × the
// pack's scaling factor) and cached in the run folder; then Adam with warmup + cosine on the latent
// MSE (plus the codebook and commitment losses for VQ). At every checkpoint it logs the held-out
// latent MSE through encode → decode and the code usage and perplexity over a fixed probe of
// training latents, which is where VQ's codebook collapse shows. `--quantizer vq` trains the VQ
// contrast in its own run folder (ar-tokenizer-vq), so both can be compared.
import { join } from 'node:path';
import { Adam, f32, type Tensor, Trainer, warmupCosine } from '../../ml/index.ts';
import { nodeBackend } from '../../ml/session/node.ts';
import { codeUsage } from '../ar/code-usage.ts';
import { AR_TOKENIZER_CONFIG, AR_TOKENIZER_VQ_CONFIG, type ArTokenizerConfig, arTokenizerConfigSchema, codebookSize } from '../ar/config.ts';
import { tokenizerTrainingGraph } from '../ar/tokenizer.ts';
import { TokenizerSession } from '../ar/tokenizer-session.ts';
import { EMOJI_PACK_DIR } from '../pack/write.ts';
import { arLatents, type ArLatentSet } from './ar-latents.ts';
import { EpochSampler } from './batches.ts';
import { startRun, trainLoop } from './loop.ts';
import { runShape, type TrainFn } from './options.ts';

/**
 * Measured 1.0 s/step at batch 64 on one onnxruntime thread with the other core busy (1.9 s when
 * both cores were oversubscribed; 0.7 s at batch 32), 1.49 M weights: the 3,000 steps (~12 epochs of
 * the 16k held-in images) take about 50 minutes. A 100-step trial reached a held-out latent MSE of
 * 0.17 (the latents' mean square is 1.03) using 72% of the 1,000 FSQ codes; VQ after 50 steps sat at
 * 0.52 on 16 codes.
 */
export const AR_TOKENIZER_DEFAULTS = { steps: 3000, batch: 64, lr: 1e-3, warmup: 100, minLrRatio: 0.05, checkpointEvery: 250, seed: 0, probe: 2048 };

/** A network a few thousand weights big on a handful of images: proves the pipeline only. */
const SMOKE = { steps: 8, batch: 4, lr: 3e-3, warmup: 1, checkpointEvery: 4, trainImages: 12, heldImages: 4, probe: 8, arch: { channels: [8, 16], blocks: [1, 1], groups: 4 } };

export const train: TrainFn = async (opts) => {
  const D = AR_TOKENIZER_DEFAULTS;
  const log = opts.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  const quantizer = opts.quantizer ?? 'fsq';
  const model = quantizer === 'fsq' ? 'ar-tokenizer' : 'ar-tokenizer-vq';
  const base = quantizer === 'fsq' ? AR_TOKENIZER_CONFIG : AR_TOKENIZER_VQ_CONFIG;
  const config: ArTokenizerConfig = opts.smoke ? arTokenizerConfigSchema.parse({ ...base, ...SMOKE.arch }) : base;
  const { steps, batch, lr, warmup } = runShape(opts, D, SMOKE);
  const seed = D.seed;

  // Both quantizers read the same latents, cached beside the FSQ run.
  const data = await arLatents({
    packDir: EMOJI_PACK_DIR,
    cacheDir: join(opts.checkpoints, 'ar-tokenizer', 'latents'),
    threads: opts.threads,
    limit: opts.smoke ? { train: SMOKE.trainImages, holdout: SMOKE.heldImages } : undefined,
    log,
  });
  const settings = { config, batch, lr, warmup, minLrRatio: D.minLrRatio, steps, data: data.key, smoke: opts.smoke };
  const run = startRun(model, opts, settings);

  const { graph, params } = tokenizerTrainingGraph(config, batch);
  const optimizer = new Adam({ lr });
  if (run.checkpoint) optimizer.load(run.checkpoint.optimizer);
  const trainer = await Trainer.create({ graph, loss: 'loss', trainable: params.names(), params: run.checkpoint?.params ?? params.initial(), optimizer, backend: nodeBackend, session: { threads: opts.threads } });
  log(`[${model}] ${params.count()} weights, ${codebookSize(config.quantizer)} codes; ${data.train.count} training latents, ${data.holdout.count} held-out`);

  // Checkpoint measurements run the encode and decode graphs on the trainer's live weights.
  const tokenizer = new TokenizerSession(config, trainer.params, { backend: nodeBackend, threads: opts.threads });
  const probeCount = Math.min(data.train.count, opts.smoke ? SMOKE.probe : D.probe);
  const probe = spread(data.train, probeCount);
  const sampler = new EpochSampler(data.train.count, batch, seed);
  const shape = [batch, config.latentChannels, config.latentSide, config.latentSide];
  try {
    const result = await trainLoop({
      model,
      run,
      trainer,
      optimizer,
      schedule: warmupCosine(lr, warmup, steps, lr * D.minLrRatio),
      totalSteps: steps,
      seed,
      settings,
      batch: (step) => ({ latent: latentBatch(data.train, sampler.indices(step), shape) }),
      checkpointEvery: opts.checkpointEvery ?? (opts.smoke ? SMOKE.checkpointEvery : D.checkpointEvery),
      opts,
      evaluate: async () => {
        const usage = codeUsage(await tokenizer.encode(probe, probeCount), codebookSize(config.quantizer));
        return { heldOutMse: await reconstructionMse(tokenizer, data.holdout), usage: usage.usage, perplexity: usage.perplexity };
      },
    });
    return result;
  } finally {
    await trainer.release();
    await tokenizer.release();
  }
};

/** Latents of `indices` as one batch tensor. */
function latentBatch(set: ArLatentSet, indices: readonly number[], shape: number[]): Tensor {
  const out = new Float32Array(indices.length * set.size);
  indices.forEach((idx, k) => out.set(set.latents.subarray(idx * set.size, (idx + 1) * set.size), k * set.size));
  return f32(shape, out);
}

/** n latents evenly spread over the set (a fixed probe: the same at every checkpoint and on resume). */
function spread(set: ArLatentSet, n: number): Float32Array {
  const out = new Float32Array(n * set.size);
  for (let k = 0; k < n; k++) {
    const idx = Math.floor((k * set.count) / n);
    out.set(set.latents.subarray(idx * set.size, (idx + 1) * set.size), k * set.size);
  }
  return out;
}

/** Mean squared error of decode(encode(latent)) against the latent, per element. */
export async function reconstructionMse(tokenizer: TokenizerSession, set: ArLatentSet): Promise<number> {
  const rec = await tokenizer.decode(await tokenizer.encode(set.latents, set.count), set.count);
  let s = 0;
  for (let i = 0; i < rec.length; i++) s += (rec[i] - set.latents[i]) ** 2;
  return s / rec.length;
}
