// Trains the pack's concept encoder (models/personalize/concept-encoder.ts), ELITE-style: for each
// held-in emoji, the encoder maps the image's latent to one word vector, which fills the placeholder
// of "<s1>[, tone], <style> style"; the frozen text encoder and UNet must then denoise that same
// image. Only the encoder learns, so afterwards it inverts an unseen concept into text space in one
// forward pass. Held-out concepts are excluded (the train split never contains them). Needs the
// pack's trained VAE, text encoder and UNet; exports 'conceptEncoder' into the pack.
import { join } from 'node:path';
import { AdamW, f32, Rng, type Tensor, Trainer, warmupCosine } from '../../ml/index.ts';
import { nodeBackend } from '../../ml/session/node.ts';
import { caption, type EmojiItem, STYLES } from '../data/catalog.ts';
import { loadEmojiDataset } from '../data/emoji.ts';
import { addNoise, alphaBar } from '../diffusion/schedule.ts';
import { loadPack } from '../pack/load.ts';
import { emojiPackBase } from '../pack/emoji-pack.ts';
import { exportComponent, fileFetchBytes, readDiffusionManifest } from '../pack/write.ts';
import { PACK_ARCHITECTURES } from '../personalize/architectures.ts';
import { conceptEncoderArchitecture, conceptEncoderConfigSchema, conceptTrainingGraph } from '../personalize/concept-encoder.ts';
import { PackModel } from '../personalize/model.ts';
import { encodeWithPlaceholders } from '../personalize/placeholders.ts';
import { writeTinyPack } from '../personalize/tiny-pack.ts';
import { stepRng } from './batches.ts';
import { encodeLatents, sampleLatent } from './latents.ts';
import { startRun, trainLoop } from './loop.ts';
import { runShape, type TrainFn } from './options.ts';

export const CONCEPT_DEFAULTS = { steps: 3000, batch: 16, lr: 1e-3, warmup: 100, minLrRatio: 0.1, weightDecay: 0.01, reg: 1e-3, checkpointEvery: 250, seed: 0 };
const SMOKE = { steps: 6, batch: 2, examples: 6, checkpointEvery: 3 };

interface Examples {
  count: number;
  /** Writes a fresh draw of example i's scaled latent into out[offset…]. */
  sample(i: number, rng: Rng, out: Float32Array, offset: number): void;
  template(i: number): string;
  description: string;
}

export const train: TrainFn = async (opts) => {
  const C = CONCEPT_DEFAULTS;
  const log = opts.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  const { steps, batch, lr, warmup } = runShape(opts, C, SMOKE);
  // A smoke run trains against a tiny random pack of its own, so it never needs (or touches) the real one.
  const packDir = opts.smoke ? join(opts.checkpoints, 'concept-encoder-smoke-pack') : opts.out;
  if (opts.smoke) await writeTinyPack(packDir, { without: ['conceptEncoder'] });
  const manifest = readDiffusionManifest(packDir);
  for (const c of ['vae', 'textEncoder', 'unet'] as const)
    if (!manifest?.components[c]) throw new Error(`the pack in ${packDir} has no ${c}: train it first (npm run train -- ${c === 'vae' ? 'vae' : 'denoiser'})`);
  const loaded = await loadPack(fileFetchBytes(packDir), { architectures: PACK_ARCHITECTURES, components: ['vae', 'textEncoder', 'unet'] });
  const model = new PackModel(loaded, nodeBackend, { threads: opts.threads });
  const diffusion = model.diffusionConfig;
  const [lc, ls] = [model.latentShape[0], model.latentShape[1]];
  const config = conceptEncoderConfigSchema.parse({ latentChannels: lc, latentSize: ls, embedDim: diffusion.text.dim, ...(opts.smoke ? { channels: [8, 8], groups: 4, hidden: 16 } : {}) });
  const ex = opts.smoke ? syntheticExamples(SMOKE.examples, model.latentSize) : await emojiExamples(model, loaded.manifest.components.vae!.sha256, opts.checkpoints, opts.threads, log);

  const settings = { config, steps, batch, lr, reg: C.reg, data: ex.description, smoke: opts.smoke };
  const run = startRun('concept-encoder', opts, settings);
  const { graph, p, trainable, frozen } = conceptTrainingGraph(config, diffusion, batch, C.seed);
  const weights = { ...model.weights('textEncoder'), ...model.weights('unet') };
  const params: Record<string, Tensor> = run.checkpoint?.params ?? { ...p.initial() };
  for (const n of frozen) params[n] = weights[n];
  for (const n of Object.keys(params)) if (!trainable.includes(n) && !frozen.includes(n)) delete params[n];
  const optimizer = new AdamW({ lr, weightDecay: C.weightDecay });
  if (run.checkpoint) optimizer.load(run.checkpoint.optimizer);
  const trainer = await Trainer.create({ graph, loss: 'loss', trainable, params, optimizer, backend: nodeBackend, session: { threads: opts.threads } });
  log(`[concept-encoder] ${trainable.reduce((s, n) => s + params[n].data.length, 0)} weights to train; ${ex.count} examples: ${ex.description}`);

  const { maxLength: L, dim: D } = diffusion.text;
  const pipe = model.pipeline();
  const rows = new Map<string, { embeds: Float32Array; mask: Float32Array }>();
  const templateRow = (t: string) => {
    let r = rows.get(t);
    if (!r) {
      const at = encodeWithPlaceholders(model.tokenizer, t);
      const embeds = pipe.embedTokens([at.ids]);
      const mask = new Float32Array(L);
      for (const pos of at.positions.get('<s1>') ?? []) {
        embeds.fill(0, pos * D, (pos + 1) * D);
        mask[pos] = 1;
      }
      rows.set(t, (r = { embeds, mask }));
    }
    return r;
  };
  const schedule = model.schedule;
  const size = model.latentSize;
  const batchOf = (step: number): Record<string, Tensor> => {
    const rng = stepRng(C.seed, step, 11);
    const latents = new Float32Array(batch * size);
    const noisy = new Float32Array(batch * size);
    const noise = new Float32Array(batch * size);
    const embeds = new Float32Array(batch * L * D);
    const mask = new Float32Array(batch * L);
    const ts: number[] = [];
    for (let k = 0; k < batch; k++) {
      const i = rng.int(ex.count);
      ex.sample(i, rng, latents, k * size);
      const t = rng.int(schedule.steps);
      ts.push(t);
      const eps = noise.subarray(k * size, (k + 1) * size);
      for (let j = 0; j < size; j++) eps[j] = rng.normal();
      addNoise(latents.subarray(k * size, (k + 1) * size), eps, alphaBar(schedule, t), noisy.subarray(k * size, (k + 1) * size));
      const row = templateRow(ex.template(i));
      embeds.set(row.embeds, k * L * D);
      mask.set(row.mask, k * L);
    }
    const shape = [batch, ...model.latentShape];
    return {
      latents: f32(shape, latents),
      noisy: f32(shape, noisy),
      noise: f32(shape, noise),
      timesteps: { dtype: 'int64', shape: [batch], data: BigInt64Array.from(ts, BigInt) },
      embeds: f32([batch, L, D], embeds),
      mask: f32([batch, L, 1], mask),
      reg: f32([], [C.reg]),
    };
  };
  try {
    const result = await trainLoop({
      model: 'concept-encoder',
      run,
      trainer,
      optimizer,
      schedule: warmupCosine(lr, warmup, steps, lr * C.minLrRatio),
      totalSteps: steps,
      seed: C.seed,
      settings,
      batch: batchOf,
      checkpointEvery: opts.checkpointEvery ?? (opts.smoke ? SMOKE.checkpointEvery : C.checkpointEvery),
      opts,
    });
    if (result.interrupted || opts.noExport) return result;
    const tensors = Object.fromEntries(trainable.map((n) => [n, trainer.params[n]]));
    const exported = await exportComponent({
      dir: packDir,
      component: 'conceptEncoder',
      tensors,
      architecture: conceptEncoderArchitecture(config),
      recipe: { steps: result.step, batch, lr, optimizer: 'AdamW', wallTimeSeconds: Math.round(result.wallTimeSeconds), threads: opts.threads, data: ex.description, seed: C.seed, notes: `ELITE-style: frozen text encoder + UNet, denoising loss on the same image, placeholder template "<s1>[, tone], <style> style", L2 ${C.reg} on the vector` },
      base: emojiPackBase,
    });
    log(`[concept-encoder] exported ${exported.weights} to ${packDir}`);
    return { ...result, exported };
  } finally {
    await trainer.release();
    await model.release();
  }
};

/** Held-in emoji of every style (the train split: no held-out concept), their VAE latents cached. */
async function emojiExamples(model: PackModel, vaeSha: string, checkpoints: string, threads: number, log: (s: string) => void): Promise<Examples> {
  const items: EmojiItem[] = loadEmojiDataset({ split: 'train' });
  const set = await encodeLatents({
    items,
    vae: { config: model.vaeConfig, weights: model.weights('vae'), sha256: vaeSha },
    backend: nodeBackend,
    threads,
    cacheFile: join(checkpoints, 'denoiser-latents', 'latents.safetensors'),
    onProgress: (d, n) => d % 1024 === 0 && log(`encoding latents ${d}/${n}`),
  });
  return {
    count: items.length,
    sample: (i, rng, out, off) => sampleLatent(set, i, model.scale, rng, out, off),
    template: (i) => caption('<s1>', items[i].tone, items[i].style),
    description: `emoji train split, all ${STYLES.length} styles (${STYLES.join(', ')}), ${items.length} images (held-out concepts excluded)`,
  };
}

function syntheticExamples(n: number, size: number): Examples {
  const means = Array.from({ length: n }, (_, k) => Float32Array.from({ length: size }, (_, j) => Math.sin(k + j * 0.1)));
  return {
    count: n,
    sample: (i, rng, out, off) => {
      for (let j = 0; j < size; j++) out[off + j] = means[i][j] + 0.05 * rng.normal();
    },
    template: (i) => (i % 2 ? '<s1>, twemoji style' : '<s1>, noto style'),
    description: `${n} synthetic latents (smoke test)`,
  };
}
