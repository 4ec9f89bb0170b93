// The autoencoder's reconstruction quality: PSNR and SSIM through the posterior mean on every image
// of the 30 held-out concepts (both styles, all skin tones: never seen in training), per style,
// and on a spread sample of training images for comparison. With docsDir it also writes
// vae-reconstructions.png: held-out originals (odd rows) above their reconstructions (even rows).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadEmojiDataset } from '../data/emoji.ts';
import { loadPixels } from '../data/pixels.ts';
import { VAE_KIND, vaeConfigSchema, vaeWeightShapes } from '../diffusion/vae.ts';
import { loadPack } from '../pack/load.ts';
import { fileFetchBytes, recordMetrics } from '../pack/write.ts';
import { mean, psnrPerImage, ssimPerImage } from './image-metrics.ts';
import type { EvalFn } from './options.ts';
import { gridPng } from './png-grid.ts';
import { reconstruct } from './vae-reconstruct.ts';

const TRAIN_SAMPLE = { full: 400, quick: 64 };
const SHEET = { columns: 10, pairs: 3 };

export const evaluate: EvalFn = async (opts) => {
  const log = opts.log ?? (() => {});
  const pack = await loadPack(fileFetchBytes(opts.packDir), {
    architectures: { [VAE_KIND]: vaeWeightShapes },
    components: ['vae'],
  });
  const config = vaeConfigSchema.parse(pack.manifest.components.vae!.architecture);
  const weights = pack.weights.vae!;
  const R = config.resolution;
  const shapeOf = (n: number) => [n, config.imageChannels, R, R];

  const held = loadEmojiDataset({ split: 'holdout' });
  const heldStore = await loadPixels(held);
  log(`[vae eval] reconstructing ${held.length} held-out images`);
  const h = await reconstruct(config, weights, heldStore, held.map((_, i) => i), opts.threads);
  const psnr = psnrPerImage(h.output, h.input, h.n);
  const ssim = ssimPerImage(h.output, h.input, shapeOf(h.n));

  const train = loadEmojiDataset({ split: 'train' });
  const count = opts.quick ? TRAIN_SAMPLE.quick : TRAIN_SAMPLE.full;
  const step = Math.floor(train.length / count);
  const sample = Array.from({ length: count }, (_, i) => train[i * step]);
  log(`[vae eval] reconstructing ${count} training images`);
  const t = await reconstruct(config, weights, await loadPixels(sample), sample.map((_, i) => i), opts.threads);

  const byStyle = (style: string, xs: number[]) => mean(xs.filter((_, i) => held[i].style === style));
  const metrics = {
    psnrHeldOut: mean(psnr),
    ssimHeldOut: mean(ssim),
    psnrHeldOutTwemoji: byStyle('twemoji', psnr),
    psnrHeldOutNoto: byStyle('noto', psnr),
    ssimHeldOutTwemoji: byStyle('twemoji', ssim),
    ssimHeldOutNoto: byStyle('noto', ssim),
    psnrTrainSample: mean(psnrPerImage(t.output, t.input, t.n)),
    ssimTrainSample: mean(ssimPerImage(t.output, t.input, shapeOf(t.n))),
    heldOutImages: h.n,
  };
  if (opts.record) recordMetrics(opts.packDir, 'vae', metrics);
  if (opts.docsDir) {
    const px = config.imageChannels * R * R;
    const { columns, pairs } = SHEET;
    const tiles = new Float32Array(2 * pairs * columns * px);
    const pick = Array.from({ length: pairs * columns }, (_, i) => Math.floor((i * h.n) / (pairs * columns)));
    pick.forEach((img, i) => {
      const row = Math.floor(i / columns);
      const col = i % columns;
      tiles.set(h.input.subarray(img * px, (img + 1) * px), ((2 * row) * columns + col) * px);
      tiles.set(h.output.subarray(img * px, (img + 1) * px), ((2 * row + 1) * columns + col) * px);
    });
    const file = join(opts.docsDir, 'vae-reconstructions.png');
    mkdirSync(opts.docsDir, { recursive: true });
    writeFileSync(file, gridPng(tiles, 2 * pairs * columns, R, columns));
    log(`[vae eval] wrote ${file}`);
  }
  return {
    component: 'vae',
    metrics,
    notes: {
      psnrHeldOut: 'dB, mean over every image of the 30 held-out concepts (both styles), target ≥ 26',
      ssimHeldOut: 'Gaussian 11×11 SSIM in [0, 1], same images',
      psnrTrainSample: `dB, ${count} training images spread over the split`,
    },
  };
};
