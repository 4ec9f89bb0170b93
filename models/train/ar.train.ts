// Trains the AR family's transformer (models/ar/) on token grids: next-token cross-entropy with
// teacher forcing, the caption as a prefix from the diffusion pack's frozen text encoder, 10% of
// captions dropped to the learned empty one (so the one model also predicts unconditionally:
// classifier-free guidance). AdamW with warmup + cosine, global-norm clipping and an EMA of the
// weights (what a pack will ship). Resumable like every trainer here: weights, optimizer and EMA go
// into the checkpoint, and each step's batch and dropout are pure functions of (seed, step).
//
// The grids come from a TokenSource (models/ar/token-source.ts). The emoji source wraps the image
// tokenizer, which is not here yet: until it is, only --smoke runs, on synthetic grids.
import { appendFileSync } from 'node:fs';
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
import { saveCheckpoint } from './checkpoint.ts';
import { EmaOptimizer } from './ema-optimizer.ts';
import { LOSS_LOG, startRun } from './loop.ts';
import type { TrainFn, TrainOptions, TrainResult } from './options.ts';
import { Ema, ProgressReporter } from './progress.ts';

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

const SMOKE = { steps: 40, batch: 8, lr: 3e-3, warmup: 4, checkpointEvery: 20, items: 24, transformer: { width: 32, layers: 2, heads: 4, mlpRatio: 2 } };

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
 * source must give). The emoji source will wrap the image tokenizer; `defaultTokenSource` is where it plugs in.
 */
export type TokenSourceFactory = (captions: Tokenizer, opts: TrainOptions) => TokenSource | Promise<TokenSource>;

/** The grids to train on. The emoji grids need the image tokenizer: until it is here, only smoke runs have a source. */
export const defaultTokenSource: TokenSourceFactory = (captions, opts) => {
  const { codebookSize, gridSize } = arTransformerConfigSchema.parse({});
  if (opts.smoke) return syntheticTokenSource({ count: SMOKE.items, codebookSize, gridSize, tokenizer: captions });
  throw new Error('[ar] there is no token source for the emoji images yet: it needs the AR image tokenizer (FSQ codes of the VAE latent), which has not been trained. Run with --smoke to check the pipeline.');
};

export const train: TrainFn = (opts) => trainAr(opts, defaultTokenSource);

/** `train` on the grids of any source (the transformer's size follows the source's codebook and grid). */
export async function trainAr(opts: TrainOptions, makeSource: TokenSourceFactory): Promise<TrainResult> {
  const D = AR_DEFAULTS;
  const log = opts.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  const steps = opts.steps ?? (opts.smoke ? SMOKE.steps : D.steps);
  const batch = opts.batch ?? (opts.smoke ? SMOKE.batch : D.batch);
  const lr = opts.lr ?? (opts.smoke ? SMOKE.lr : D.lr);
  const warmup = Math.min(opts.smoke ? SMOKE.warmup : D.warmup, Math.floor(steps / 10));
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
    const result = await loop({ opts, run, trainer, optimizer, steps, seed, settings, log, schedule: warmupCosine(lr, warmup, steps, lr * D.minLrRatio), batchOf: (s) => batchOf(s, D.captionDropout), probe, checkpointEvery: opts.checkpointEvery ?? (opts.smoke ? SMOKE.checkpointEvery : D.checkpointEvery) });
    // No pack yet: the emoji-ar pack needs the image tokenizer too. Its export will take the EMA weights from the checkpoint.
    if (!result.interrupted) log(`[ar] the EMA weights are in the checkpoint's optimizer state (ema/ar.*) in ${run.dir}`);
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

interface LoopOptions {
  opts: TrainOptions;
  run: ReturnType<typeof startRun>;
  trainer: Trainer;
  optimizer: EmaOptimizer;
  steps: number;
  seed: number;
  settings: Record<string, unknown>;
  log: (l: string) => void;
  schedule: (step: number) => number;
  batchOf: (step: number) => Promise<Record<string, Tensor>>;
  probe: Record<string, Tensor>;
  checkpointEvery: number;
}

/** The shared loop's steps (loop.ts), with batches that arrive asynchronously from the source. */
async function loop(o: LoopOptions): Promise<TrainResult> {
  const { run, trainer, optimizer, steps, log } = o;
  const prior = run.checkpoint?.state;
  let step = prior?.step ?? 0;
  const lossEma = new Ema(0.98, prior?.lossEma ?? null);
  const recent: number[] = [];
  const t0 = performance.now();
  const wall = () => (prior?.wallTimeSeconds ?? 0) + (performance.now() - t0) / 1000;
  const progress = new ProgressReporter(log, o.opts.smoke ? 0 : 10_000);
  const logFile = join(run.dir, LOSS_LOG);
  const checkpoint = async () => {
    saveCheckpoint(run.dir, {
      state: { model: 'ar', step, totalSteps: steps, seed: o.seed, wallTimeSeconds: wall(), lossEma: lossEma.value, settings: o.settings, savedAt: new Date().toISOString() },
      params: trainer.params,
      optimizer: optimizer.state(),
    });
    const probeLoss = await trainer.evaluate(o.probe);
    appendFileSync(logFile, `${JSON.stringify({ step, checkpoint: true, probeLoss, wallTimeSeconds: +wall().toFixed(1) })}\n`);
    log(`[ar] step ${step}: probe loss ${probeLoss.toFixed(4)}`);
  };

  log(`[ar] ${prior ? `resuming at step ${step}` : 'starting'} of ${steps}; checkpoints in ${run.dir}`);
  while (step < steps && !o.opts.signal?.aborted) {
    optimizer.lr = o.schedule(step);
    const loss = await trainer.step(await o.batchOf(step));
    step++;
    lossEma.push(loss);
    recent.push(loss);
    if (recent.length > 50) recent.shift();
    appendFileSync(logFile, `${JSON.stringify({ step, loss, lr: optimizer.lr, gradNorm: optimizer.lastGradNorm, t: +wall().toFixed(2) })}\n`);
    progress.update({ model: 'ar', step, total: steps, lossEma: lossEma.value });
    if (step % o.checkpointEvery === 0 || step === steps) await checkpoint();
  }
  const interrupted = step < steps;
  if (interrupted) {
    await checkpoint();
    log(`[ar] stopped at step ${step}; checkpoint written, continue with --resume`);
  }
  return { step, totalSteps: steps, interrupted, recentLoss: recent.reduce((a, b) => a + b, 0) / Math.max(1, recent.length), wallTimeSeconds: wall() };
}
