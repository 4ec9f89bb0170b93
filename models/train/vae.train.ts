// Trains the pack's autoencoder (models/diffusion/vae.ts) on the held-in emoji of both styles:
// Adam, warmup + cosine lr, L1 + MSE reconstruction with a small KL term. At the end it measures
// the latent scaling factor (1/std of the posterior means over training images) and exports the
// weights and manifest entry into the pack.
import { Adam, type Tensor, Trainer, warmupCosine } from '../../ml/index.ts';
import { nodeBackend } from '../../ml/session/node.ts';
import { loadEmojiDataset } from '../data/emoji.ts';
import { loadPixels, pixelBatch, type PixelStore } from '../data/pixels.ts';
import { buildVaeTraining, latentSide, VAE_CONFIG, VAE_LOSS } from '../diffusion/vae.ts';
import { mean, psnrPerImage } from '../eval/image-metrics.ts';
import { scalingFactor, VaeReconstructor } from '../eval/vae-reconstruct.ts';
import { emojiPackBase } from '../pack/emoji-pack.ts';
import { exportComponent } from '../pack/write.ts';
import { EpochSampler, stepNoise } from './batches.ts';
import { startRun, trainLoop } from './loop.ts';
import { runShape, type TrainFn } from './options.ts';

export const VAE_DEFAULTS = { steps: 4000, batch: 8, lr: 1e-3, warmup: 200, minLr: 2e-5, checkpointEvery: 250, seed: 0 };
const SMOKE = { steps: 4, batch: 2, images: 8, checkpointEvery: 2 };
const EVAL_IMAGES = 32;

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

/** Mean PSNR (dB) of reconstructions through the posterior mean. */
async function reconstructionPsnr(r: VaeReconstructor, params: Record<string, Tensor>, store: PixelStore): Promise<number> {
  const out = await r.run(params, store, range(store.items.length));
  return mean(psnrPerImage(out.output, out.input, out.n));
}

export const train: TrainFn = async (opts) => {
  const config = VAE_CONFIG;
  const { steps, batch, lr, warmup } = runShape(opts, VAE_DEFAULTS, SMOKE);
  const seed = VAE_DEFAULTS.seed;
  const settings = { config, loss: VAE_LOSS, batch, lr, warmup, minLr: VAE_DEFAULTS.minLr, steps, smoke: opts.smoke };
  const run = startRun('vae', opts, settings);

  let items = loadEmojiDataset({ split: 'train' });
  if (opts.smoke) items = items.slice(0, SMOKE.images);
  const store = await loadPixels(items);
  // Held-out images are only measured, never trained on: a fixed spread of both styles.
  const held = loadEmojiDataset({ split: 'holdout' });
  const heldStore = await loadPixels(held.filter((_, i) => i % Math.max(1, Math.floor(held.length / EVAL_IMAGES)) === 0).slice(0, opts.smoke ? 2 : EVAL_IMAGES));

  const { graph, params } = buildVaeTraining(config, batch);
  const optimizer = new Adam({ lr });
  if (run.checkpoint) optimizer.load(run.checkpoint.optimizer);
  const trainer = await Trainer.create({
    graph,
    loss: 'loss',
    trainable: params.names(),
    params: run.checkpoint?.params ?? params.initial(),
    optimizer,
    backend: nodeBackend,
    session: { threads: opts.threads },
  });
  // One session for every check of the run (held-out PSNR at checkpoints, the scaling factor at the end).
  const reconstructor = await VaeReconstructor.create(config, opts.threads, Math.min(16, heldStore.items.length));
  const sampler = new EpochSampler(items.length, batch, seed);
  const side = latentSide(config);
  try {
    const result = await trainLoop({
      model: 'vae',
      run,
      trainer,
      optimizer,
      schedule: warmupCosine(lr, warmup, steps, VAE_DEFAULTS.minLr),
      totalSteps: steps,
      seed,
      settings,
      batch: (step) => ({
        image: pixelBatch(store, sampler.indices(step)),
        eps: stepNoise([batch, config.latentChannels, side, side], seed, step, 1),
      }),
      checkpointEvery: opts.checkpointEvery ?? (opts.smoke ? SMOKE.checkpointEvery : VAE_DEFAULTS.checkpointEvery),
      opts,
      evaluate: async (t) => ({ heldOutPsnr: await reconstructionPsnr(reconstructor, t.params, heldStore) }),
    });
    if (result.interrupted || opts.noExport) return result;
    // 1/std of the posterior means over training images (the latent-diffusion convention).
    const scaleImages = Math.min(items.length, opts.smoke ? 8 : 2048);
    const latentScale = scalingFactor((await reconstructor.run(trainer.params, store, range(scaleImages))).mean);
    const exported = await exportComponent({
      dir: opts.out,
      component: 'vae',
      tensors: trainer.params,
      architecture: config,
      base: emojiPackBase,
      recipe: {
        steps,
        batch,
        lr,
        optimizer: `Adam (β 0.9/0.999), ${warmup}-step warmup, cosine to ${VAE_DEFAULTS.minLr}`,
        wallTimeSeconds: Math.round(result.wallTimeSeconds),
        threads: opts.threads,
        data: `emoji train split, both styles, ${items.length} images, 64×64 on white, [-1, 1]`,
        seed,
        notes: `loss = L1 + ${VAE_LOSS.mseWeight}·MSE + ${VAE_LOSS.klWeight}·KL (means per pixel / latent element); reparameterized sample in training, posterior mean at inference; latent scaling factor 1/std of means over ${scaleImages} training images`,
      },
      patch: (m) => {
        m.latent = { channels: config.latentChannels, height: side, width: side, scalingFactor: latentScale };
      },
    });
    (opts.log ?? console.error)(`[vae] exported ${exported.weights} (${(exported.bytes / 1e6).toFixed(2)} MB) to ${opts.out}; latent scaling factor ${latentScale.toFixed(4)}`);
    return { ...result, exported };
  } finally {
    await trainer.release();
    await reconstructor.release();
  }
};
