// Node only: contrastive training of the evaluator on the held-in emoji images of both styles.
// Resumable: every `checkpointEvery` steps the weights, the optimizer's moments and the step go to
// one safetensors file in `outDir`; a new run with the same outDir continues from it. Batches and
// augmentations are pure functions of (seed, step), so a resumed run is the run that never stopped.
import { appendFileSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AdamW, i64, readSafetensors, Rng, type Tensor, Trainer, warmupCosine, writeSafetensors } from '../../ml/index.ts';
import { nodeBackend } from '../../ml/session/node.ts';
import { type EmojiItem, STYLES } from '../index.ts';
import { emojiTokenizer, IMAGE_SIZE, loadEmojiDataset, loadPixels, pixelBatch } from '../node.ts';
import { augmentBatch } from './augment.ts';
import { ConceptBatches, mix } from './batches.ts';
import { buildTrainingGraph, IO, LOGIT_SCALE } from './clip.ts';
import { type ClipConfig, clipConfig, type ClipConfigInput } from './config.ts';
import { ClipEmbedder } from './embed.ts';
import { evaluateRetrieval } from './evaluate.ts';
import { retrievalSet } from './retrieval-set.ts';

export interface EvaluatorTrainOptions {
  /** Checkpoint, loss log and progress go here. */
  outDir: string;
  steps: number;
  batch: number;
  lr: number;
  warmup: number;
  weightDecay: number;
  seed: number;
  threads: number;
  checkpointEvery: number;
  /** Retrieval on the fixed set every this many steps (0: only at the end). */
  evalEvery: number;
  /** Use only the first N held-in concepts (smoke tests). */
  limitConcepts?: number;
  /** Architecture overrides (the tokenizer's facts are filled in). */
  architecture?: Partial<ClipConfigInput>;
  /** Stop after this many steps in this process (the schedule still spans `steps`); for tests of resuming. */
  stopAfter?: number;
  log?: (line: string) => void;
}

export interface EvaluatorTrainResult {
  config: ClipConfig;
  weights: Record<string, Tensor>;
  step: number;
  /** Wall-clock seconds summed over every resumed segment. */
  seconds: number;
  finalLoss: number;
  metrics: Record<string, number>;
  images: number;
  concepts: number;
}

const CHECKPOINT = 'checkpoint.safetensors';
const LOSS_LOG = 'loss.jsonl';
const OPT = 'optimizer/';

export async function trainEvaluator(o: EvaluatorTrainOptions): Promise<EvaluatorTrainResult> {
  const log = o.log ?? ((l: string) => console.log(l));
  mkdirSync(o.outDir, { recursive: true });
  const tokenizer = emojiTokenizer();
  const config = clipConfig({ ...o.architecture, vocabSize: tokenizer.vocabSize, maxLength: tokenizer.maxLength, padId: 0 });

  let items: EmojiItem[] = loadEmojiDataset({ split: 'train' });
  if (o.limitConcepts) {
    const keep = new Set([...new Set(items.map((it) => it.concept))].slice(0, o.limitConcepts));
    items = items.filter((it) => keep.has(it.concept));
  }
  const store = await loadPixels(items, { onProgress: (s, d, t) => log(`decoding ${s} ${d}/${t}`) });
  const ids = items.map((it) => tokenizer.encode(it.caption).ids);
  const batches = new ConceptBatches(items, o.batch, o.seed);
  const concepts = batches.groups.length;
  const evalSet = retrievalSet(items, STYLES, Math.min(200, concepts));
  const evalIndex = new Map(items.map((it, i) => [it.id, i]));

  const { graph, params } = buildTrainingGraph(config, o.batch, o.seed);
  const optimizer = new AdamW({ lr: o.lr, weightDecay: o.weightDecay });
  let start = 0;
  let seconds = 0;
  let weights = params.initial();
  const ckpt = join(o.outDir, CHECKPOINT);
  if (existsSync(ckpt)) {
    const { tensors, metadata } = readSafetensors(new Uint8Array(readFileSync(ckpt)));
    if (metadata.config !== JSON.stringify(config)) throw new Error(`${ckpt} was written for another architecture; move it away to start over`);
    start = Number(metadata.step);
    seconds = Number(metadata.seconds);
    weights = Object.fromEntries(params.names().map((n) => [n, tensors[n]]));
    optimizer.load(Object.fromEntries(Object.entries(tensors).filter(([k]) => k.startsWith(OPT)).map(([k, t]) => [k.slice(OPT.length), t])));
    log(`resuming at step ${start} (${(seconds / 60).toFixed(1)} min done)`);
  }
  const schedule = warmupCosine(o.lr, o.warmup, o.steps, o.lr * 0.02);
  const tr = await Trainer.create({ graph, loss: IO.loss, trainable: params.names(), params: weights, optimizer, backend: nodeBackend, session: { threads: o.threads } });
  log(`evaluator: ${params.count()} weights, ${items.length} images of ${concepts} concepts, batch ${o.batch}, steps ${start}→${o.steps}`);

  const save = (step: number) => {
    const state = optimizer.state();
    const tensors: Record<string, Tensor> = { ...tr.params };
    for (const [k, t] of Object.entries(state)) tensors[OPT + k] = t;
    const bytes = writeSafetensors(tensors, { step: String(step), seconds: String(seconds), config: JSON.stringify(config) });
    writeFileSync(`${ckpt}.tmp`, bytes);
    renameSync(`${ckpt}.tmp`, ckpt);
  };
  const evaluate = async () => {
    const embedder = await ClipEmbedder.create(config, tr.params, { backend: nodeBackend, session: { threads: o.threads } });
    try {
      return await evaluateRetrieval(embedder, {
        byStyle: evalSet.byStyle,
        pixels: (its) => pixelBatch(store, its.map((it) => evalIndex.get(it.id)!)).data as Float32Array,
        encode: (c) => tokenizer.encode(c).ids,
      });
    } finally {
      await embedder.release();
    }
  };
  const fmt = (m: Record<string, number>) =>
    Object.entries(m)
      .filter(([k]) => k.startsWith('imageToCaptionTop5') || k.startsWith('clipI'))
      .map(([k, v]) => `${k} ${v.toFixed(3)}`)
      .join(', ');

  let ema = NaN;
  let last = NaN;
  let tick = performance.now();
  const resumedAt = seconds; // speed and ETA from this segment only
  const end = o.stopAfter ? Math.min(o.steps, start + o.stopAfter) : o.steps;
  try {
    for (let step = start; step < end; step++) {
      const idx = batches.at(step);
      const images = pixelBatch(store, idx);
      augmentBatch(images.data as Float32Array, idx.length, IMAGE_SIZE, new Rng(mix(o.seed, step, 2)));
      const lr = schedule(step);
      optimizer.lr = lr;
      last = await tr.step({ [IO.image]: images, [IO.ids]: i64([idx.length, config.maxLength], idx.flatMap((i) => ids[i])) });
      ema = Number.isNaN(ema) ? last : 0.95 * ema + 0.05 * last;
      const now = performance.now();
      seconds += (now - tick) / 1000;
      tick = now;
      const done = step + 1;
      const scale = Math.exp((tr.params[LOGIT_SCALE].data as Float32Array)[0]);
      appendFileSync(join(o.outDir, LOSS_LOG), `${JSON.stringify({ step: done, loss: last, lr, scale, seconds: Math.round(seconds) })}\n`);
      if (done % 10 === 0 || done === end) {
        const perStep = (seconds - resumedAt) / (done - start);
        log(`step ${done}/${o.steps} loss ${last.toFixed(3)} (avg ${ema.toFixed(3)}) lr ${lr.toExponential(2)} scale ${scale.toFixed(1)} ` +
          `${(1 / perStep).toFixed(2)} steps/s ETA ${(((o.steps - done) * perStep) / 60).toFixed(1)} min`);
      }
      if (done % o.checkpointEvery === 0 || done === end) save(done);
      if (o.evalEvery && done % o.evalEvery === 0 && done < o.steps) {
        log(`eval @${done}: ${fmt(await evaluate())}`);
        tick = performance.now(); // evaluation time is not training time
      }
    }
    const metrics = end === o.steps ? await evaluate() : {};
    if (end === o.steps) log(`final eval: ${fmt(metrics)}`);
    return { config, weights: { ...tr.params }, step: end, seconds, finalLoss: Number.isNaN(ema) ? last : ema, metrics, images: items.length, concepts };
  } finally {
    await tr.release();
  }
}
