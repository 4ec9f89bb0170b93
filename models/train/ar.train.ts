// Trains the AR family's transformer (models/ar/) on token grids: next-token cross-entropy with
// teacher forcing, the caption as a prefix from the diffusion pack's frozen text encoder, 10% of
// captions dropped to the learned empty one (so the one model also predicts unconditionally:
// classifier-free guidance). AdamW with warmup + cosine, global-norm clipping and an EMA of the
// weights (what a pack will ship). Resumable like every trainer here: weights, optimizer and EMA go
// into the checkpoint, and each step's batch and dropout are pure functions of (seed, step).
//
// The grids come from a TokenSource (models/ar/token-source.ts): the held-in emoji as token grids of
// the trained image tokenizer (ar-tokens.ts; train it first: npm run train -- ar-tokenizer). A smoke
// run without a tokenizer trains on synthetic grids. A finished run exports the AR pack
// (ar-export.ts: both components, the transformer's EMA weights), and `--export-only` does that for
// the checkpoints as they stand.
import { join } from 'node:path';
import { f32, type Tensor, Trainer, warmupCosine } from '../../ml/index.ts';
import { nodeBackend } from '../../ml/session/node.ts';
import { type ArModelConfig, arModelConfigSchema, arTrainingGraph } from '../ar/graphs.ts';
import { syntheticTokenSource, type TokenSource } from '../ar/token-source.ts';
import { arTransformerConfigSchema } from '../ar/transformer-config.ts';
import { TEXT_ENCODER_KIND, textEncoderWeightShapes } from '../diffusion/architecture.ts';
import { type TextEncoderConfig, textEncoderConfigSchema } from '../diffusion/text-encoder.ts';
import { loadPack, type TensorSpec } from '../pack/load.ts';
import { EMOJI_PACK_DIR, fileFetchBytes } from '../pack/write.ts';
import { Tokenizer } from '../text/tokenizer.ts';
import { EpochSampler, stepRng } from './batches.ts';
import { loadCheckpoint } from './checkpoint.ts';
import { EmaOptimizer } from './ema-optimizer.ts';
import { startRun, trainLoop } from './loop.ts';
import { exportArPack } from './ar-export.ts';
import { emojiTokenSource, findImageTokenizer, fingerprintOfKey, latentVaeFor, tokenizerRunName } from './ar-tokens.ts';
import { type ExportOnlyFn, runShape, type TrainFn, type TrainOptions, type TrainResult } from './options.ts';

/**
 * The default transformer (5.31 M weights: width 256, 6 layers, 8 heads, a 20-token caption
 * prefix) over an 8×8 grid of 1,000 codes. Measured 2.0–2.7 s/step at batch 32 on one
 * onnxruntime thread of a 2-core machine that was running other jobs besides (load 5–6), so
 * 2,400 steps (77k grids, ~10 epochs of the train split) take 80–105 minutes; on a quiet core,
 * under 90.
 */
export const AR_DEFAULTS = {
  steps: 2400,
  batch: 32,
  lr: 5e-4,
  warmup: 200,
  minLrRatio: 0.1,
  weightDecay: 0.05,
  clipNorm: 1,
  captionDropout: 0.1,
  emaDecay: 0.999,
  checkpointEvery: 200,
  seed: 0,
  transformer: { width: 256, layers: 6, heads: 8, mlpRatio: 4 },
} as const;

// items: synthetic grids; images: emoji of a smoke tokenizer (as many as its trainer's smoke run encodes, so their latents are cached already).
const SMOKE = { steps: 40, batch: 8, lr: 3e-3, warmup: 4, checkpointEvery: 20, items: 24, images: 12, transformer: { width: 32, layers: 2, heads: 4, mlpRatio: 2 } };

/** Random streams of a step (see batches.ts): the source's augmentation and the caption dropout. */
const STREAM = { source: 21, dropout: 22 };

/** The diffusion pack's text encoder and tokenizer: the prefix's features, frozen. */
export async function packTextEncoder(dir = EMOJI_PACK_DIR): Promise<{ config: TextEncoderConfig; weights: Record<string, Tensor>; tokenizer: Tokenizer; sha256: string }> {
  const pack = await loadPack(fileFetchBytes(dir), { architectures: { [TEXT_ENCODER_KIND]: textEncoderWeightShapes as TensorSpec }, components: ['textEncoder'] });
  const entry = pack.manifest.components.textEncoder!;
  const { kind: _kind, ...arch } = entry.architecture;
  return { config: textEncoderConfigSchema.parse(arch), weights: pack.weights.textEncoder!, tokenizer: new Tokenizer(pack.manifest.tokenizer), sha256: entry.sha256 };
}

/**
 * Makes the source of token grids, given the caption tokenizer (the text encoder's, whose ids the
 * source must give). `defaultTokenSource` gives the emoji grids.
 */
export type TokenSourceFactory = (captions: Tokenizer, opts: TrainOptions) => TokenSource | Promise<TokenSource>;

/**
 * The grids to train on: the held-in emoji through the trained image tokenizer (its checkpoint, else
 * the AR pack's in --out). Without one, a smoke run trains on synthetic grids and a real run stops.
 */
export const defaultTokenSource: TokenSourceFactory = async (captions, opts) => {
  const log = opts.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  const tokenizer = await findImageTokenizer({ checkpoints: opts.checkpoints, quantizer: opts.quantizer, pack: opts.out, smoke: opts.smoke });
  const st = tokenizer?.run?.state;
  if (st && st.step < st.totalSteps) log(`[ar] note: the image tokenizer's run stopped at step ${st.step} of ${st.totalSteps}; its grids are what it has learned so far`);
  if (tokenizer)
    return emojiTokenSource({
      tokenizer,
      vae: latentVaeFor(tokenizer, EMOJI_PACK_DIR, opts.out),
      captions,
      cacheDir: join(opts.checkpoints, 'ar'),
      latentCache: join(opts.checkpoints, 'ar-tokenizer', 'latents', 'train.safetensors'),
      threads: opts.threads,
      limit: opts.smoke ? SMOKE.images : undefined,
      log,
    });
  const run = join(opts.checkpoints, tokenizerRunName(opts.quantizer));
  if (opts.smoke) {
    log(`[ar] no image tokenizer (no checkpoint in ${run}, no AR pack in ${opts.out}): the smoke run trains on synthetic grids`);
    const { codebookSize, gridSize } = arTransformerConfigSchema.parse({});
    return syntheticTokenSource({ count: SMOKE.items, codebookSize, gridSize, tokenizer: captions });
  }
  throw new Error(
    `[ar] no image tokenizer to turn the emoji into token grids: no checkpoint in ${run} and no AR pack in ${opts.out}; ` +
      `run npm run train -- ${tokenizerRunName(opts.quantizer)}${opts.quantizer === 'vq' ? ' --quantizer vq' : ''} first`,
  );
};

export const train: TrainFn = async (opts) => {
  const result = await trainAr(opts, defaultTokenSource);
  if (result.interrupted || opts.noExport) return result;
  const log = opts.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  // Synthetic grids belong to no tokenizer: there is nothing to pack.
  if (!fingerprintOfKey(loadCheckpoint(join(opts.checkpoints, 'ar')).state.settings.data)) {
    log('[ar] trained on synthetic grids: no pack to export');
    return result;
  }
  return { ...result, exported: (await exportPack(opts, log)).transformer };
};

/** The AR pack from the tokenizer's and the transformer's checkpoints (the tokenizer run, else the pack's own tokenizer). */
async function exportPack(opts: TrainOptions, log: (l: string) => void) {
  const e = await exportArPack({ tokenizerRun: join(opts.checkpoints, tokenizerRunName(opts.quantizer)), transformerRun: join(opts.checkpoints, 'ar'), dir: opts.out, threads: opts.threads });
  for (const n of e.notes) log(`[ar] ${n}`);
  log(`[ar] exported the AR pack (transformer ${e.transformer.dtype}, step ${e.state.step}; image tokenizer ${e.imageTokenizer.dtype}) to ${opts.out}: ${(e.packBytes / 1e6).toFixed(1)} MB`);
  return e;
}

/** `npm run train -- ar --export-only`: the pack from the checkpoints as they stand, finished or not. */
export const exportOnly: ExportOnlyFn = async (opts) => {
  const log = opts.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  const { state, transformer } = await exportPack(opts, log);
  return { step: state.step, totalSteps: state.totalSteps, interrupted: false, recentLoss: state.lossEma ?? NaN, wallTimeSeconds: state.wallTimeSeconds, exported: transformer };
};

/** `train` on the grids of any source (the transformer's size follows the source's codebook and grid). */
export async function trainAr(opts: TrainOptions, makeSource: TokenSourceFactory): Promise<TrainResult> {
  const D = AR_DEFAULTS;
  const log = opts.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  const { steps, batch, lr, warmup } = runShape(opts, D, SMOKE);
  const seed = D.seed;

  const text = await packTextEncoder();
  const source = await makeSource(text.tokenizer, opts);
  const config: ArModelConfig = arModelConfigSchema.parse({
    transformer: { ...(opts.smoke ? SMOKE.transformer : D.transformer), codebookSize: source.codebookSize, gridSize: source.gridSize, prefixLength: text.config.maxLength, textDim: text.config.dim },
    text: text.config,
  });
  const hyper = { batch, lr, warmup, minLrRatio: D.minLrRatio, weightDecay: D.weightDecay, clipNorm: D.clipNorm, captionDropout: D.captionDropout, emaDecay: D.emaDecay, steps };
  const settings = { config, data: source.key, textEncoder: text.sha256, ...hyper, smoke: opts.smoke };
  const run = startRun('ar', opts, settings);

  const { graph, p, weights } = arTrainingGraph(config, batch, { seed });
  const trainable = weights.filter((n) => n.startsWith('ar.'));
  const params: Record<string, Tensor> = run.checkpoint?.params ?? { ...p.initial(), ...text.weights };
  for (const n of Object.keys(params)) if (!weights.includes(n)) delete params[n];
  const optimizer = new EmaOptimizer({ lr, weightDecay: D.weightDecay, clipNorm: D.clipNorm, emaDecay: D.emaDecay });
  if (run.checkpoint) optimizer.load(run.checkpoint.optimizer);
  const trainer = await Trainer.create({ graph, loss: 'loss', trainable, params, optimizer, backend: nodeBackend, session: { threads: opts.threads } });
  optimizer.track(Object.fromEntries(trainable.map((n) => [n, trainer.params[n]])));
  log(`[ar] ${trainable.reduce((s, n) => s + params[n].data.length, 0)} weights to train (text encoder frozen); ${source.count} items: ${source.description}`);

  const sampler = new EpochSampler(source.count, batch, seed);
  const batchOf = async (step: number, dropout: number, indices = sampler.indices(step)): Promise<Record<string, Tensor>> => {
    const { tokens, ids } = await source.batch(indices, stepRng(seed, step, STREAM.source));
    checkBatch(tokens, [batch, source.gridSize ** 2], source.codebookSize, 'token grids');
    checkBatch(ids, [batch, text.config.maxLength], text.config.vocabSize, 'caption ids');
    const rng = stepRng(seed, step, STREAM.dropout);
    return { tokens, ids, drop_caption: f32([batch, 1, 1], Array.from({ length: batch }, () => (rng.next() < dropout ? 1 : 0))) };
  };
  // A fixed batch (step 0's items, step −1's draw, no dropout) scored at each checkpoint: a steadier curve than the training loss.
  const probe = await batchOf(-1, 0, sampler.indices(0));
  try {
    const result = await trainLoop({
      model: 'ar',
      run,
      trainer,
      optimizer,
      schedule: warmupCosine(lr, warmup, steps, lr * D.minLrRatio),
      totalSteps: steps,
      seed,
      settings,
      batch: (s) => batchOf(s, D.captionDropout),
      checkpointEvery: opts.checkpointEvery ?? (opts.smoke ? SMOKE.checkpointEvery : D.checkpointEvery),
      opts,
      evaluate: async (t) => ({ probeLoss: await t.evaluate(probe) }),
    });
    return result;
  } finally {
    await trainer.release();
  }
}

/** A source's batch, checked before it reaches a graph (whose error would not name the source). */
function checkBatch(t: Tensor, shape: number[], bound: number, what: string): void {
  if (t.dtype !== 'int64' || t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i]))
    throw new Error(`[ar] the token source gave ${what} of ${t.dtype} [${t.shape}], not int64 [${shape}]`);
  for (const v of t.data as BigInt64Array) if (v < 0n || v >= BigInt(bound)) throw new Error(`[ar] the token source gave ${what} holding ${v}, outside 0 … ${bound - 1}`);
}
