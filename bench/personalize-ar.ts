// npm run bench:personalize -- --family ar [--concepts N] [--json] [--quick] [--record] [--pack DIR]
//
// Personalization of the autoregressive (AR) family on the data's 30 held-out concepts (the
// diffusion benchmark's set: one Twemoji reference per concept, which no model of the pack saw).
// The reference becomes a token grid (the AR model's exact encode); per method —
//  - floor: the class prompt alone (the concept's name where the placeholder stands; nothing tuned),
//  - token embedding: AR Textual Inversion, a learned word for S*,
//  - LoRA: rank-4 adapters on the transformer's attention, S* a rare identifier,
//  - two-stage (Sun et al. 2025): the token embedding's word, then LoRA with S* bound to it,
//  - prefix: learned key/value tokens in front of every layer's attention (CoAR-like), model frozen —
// samples for each prompt are scored with the diffusion benchmark's helpers (scoreImages): CLIP-I to
// the reference, CLIP-T to the prompt (S* read as the concept's name), and the diversity between the
// samples of one prompt (1 − their mean pairwise cosine of evaluator embeddings: 0 when a method
// copies one image); trainable numbers; seconds per concept (wall time of the tuning on
// onnxruntime-node, one thread, building the training graph included, as a node pays it), and on
// onnxruntime-web (wasm, one thread, inside Node) for the first few concepts, as the diffusion
// benchmark's web note does. A ceiling row scores the reference through the tokenizer's round trip
// (image → tokens → image: what a method that reproduced the grid exactly would reach). Last, the
// base model's sampling milliseconds per image with and without the key/value cache.
// Prints a table and the expected orderings (arChecks); --record keeps the table in README.md (a
// plain run writes no file).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { f32, type Tensor, tensor } from '../ml/index.ts';
import { nodeBackend } from '../ml/session/node.ts';
import { configureWasm, webBackend } from '../ml/session/web.ts';
import { type ArAdapters, ArModel, loadArPack, trainArEmbedding, trainArLora, trainArPrefix } from '../models/ar/index.ts';
import { loadEmojiDataset, readHoldout } from '../models/data/emoji.ts';
import { loadPixels, pixelBatch } from '../models/data/pixels.ts';
import { AR_EVAL } from '../models/eval/ar.eval.ts';
import { mean } from '../models/eval/image-metrics.ts';
import { ClipEmbedder } from '../models/evaluator/embed.ts';
import { cosineMatrix } from '../models/evaluator/metrics.ts';
import { EMOJI_AR_PACK_DIR, fileFetchBytes } from '../models/pack/write.ts';
import { scoreImages } from '../models/personalize/scores.ts';
import { withReadmeBlock } from './readme-block.ts';

export const AR_METHODS = ['floor', 'embedding', 'lora', 'two-stage', 'prefix'] as const;
export type ArMethod = (typeof AR_METHODS)[number];
const TUNED = AR_METHODS.filter((m) => m !== 'floor');

export interface ArRow {
  clipI: number;
  clipT: number;
  /** 1 − the mean cosine between the evaluator embeddings of two samples of one prompt. */
  diversity: number;
  /** Numbers the method learns per concept (0 for the floor). */
  parameters: number;
  /** Seconds of tuning per concept on onnxruntime-node (0 for the floor). */
  secondsNode: number;
  /** The same on onnxruntime-web, over the first `webConcepts` concepts; null when not measured. */
  secondsWeb: number | null;
}

export interface ArSamplingCost {
  /** Captions sampled at once. */
  batch: number;
  msPerImageCache: number;
  msPerImageNoCache: number;
  speedup: number;
  /** Share of tokens both draw alike (same seeds): the cache must not change the draw. */
  agreement: number;
}

export interface ArBenchSettings {
  embeddingSteps: number;
  loraSteps: number;
  /** LoRA steps of the two-stage method's second stage (its first is the token embedding's run). */
  twoStageSteps: number;
  prefixSteps: number;
  /** Rows per tuning step (the one reference grid, under a template each). */
  batch: number;
  /** Samples per prompt (≥ 2, for the diversity). */
  perPrompt: number;
  /** Concepts whose tuning is timed again on onnxruntime-web. */
  webConcepts: number;
  /** Captions of the cache timing. */
  timing: number;
}

/**
 * Step counts for the trained pack. Measured on its architecture with random weights (one
 * onnxruntime thread on a 2-core machine busy with training besides): a tuning step of 2 rows takes
 * about 0.045 s on onnxruntime-node and 3.3–4.5× that on onnxruntime-web, and the samples and scores
 * of a concept's five methods about 11 s. So a concept costs about 58 s (47 s of it tuning), the
 * web subset 2 × 2.9 minutes, and the 30 concepts about 35 minutes in all. The two-stage method's
 * LoRA stage is half as long: its word already carries the concept.
 */
export const AR_FULL: ArBenchSettings = { embeddingSteps: 300, loraSteps: 300, twoStageSteps: 150, prefixSteps: 300, batch: 2, perPrompt: 2, webConcepts: 2, timing: 8 };
export const AR_QUICK: ArBenchSettings = { embeddingSteps: 30, loraSteps: 30, twoStageSteps: 15, prefixSteps: 30, batch: 2, perPrompt: 2, webConcepts: 1, timing: 4 };

/** The diffusion benchmark's prompts and templates, so the families' numbers compare. */
export const AR_PROMPTS = ['S*, twemoji style', 'S*, noto style', 'S* and red heart, twemoji style'];
const TEMPLATES = ['S*, twemoji style', 'S*'];
const TOKEN = 'S*';
// Learning rates and adapter sizes of the AR nodes' defaults (LoRA Trainer, AR Textual Inversion);
// a starting point until a sweep on the trained pack.
const LR = { embedding: 5e-3, lora: 1e-3, prefix: 1e-3 };
const LORA = { rank: 4, alpha: 4 };
const PREFIX = { length: 8 };
/** The base model's sampling settings: the AR evaluation's. */
const SAMPLING = AR_EVAL.sampling;
/** "Several times faster": the cache's speedup the check asks for. */
export const CACHE_SPEEDUP = 3;

/**
 * The expected orderings: every tuned method beats the floor on CLIP-I; two-stage ≥ LoRA ≥ token
 * embedding on CLIP-I (as Sun et al. and CoAR report); the key/value cache samples at least
 * CACHE_SPEEDUP× faster.
 */
export function arChecks(rows: Record<ArMethod, ArRow>, sampling: ArSamplingCost): Record<string, boolean> {
  return {
    embeddingBeatsFloorOnClipI: rows.embedding.clipI > rows.floor.clipI,
    loraBeatsFloorOnClipI: rows.lora.clipI > rows.floor.clipI,
    twoStageBeatsFloorOnClipI: rows['two-stage'].clipI > rows.floor.clipI,
    prefixBeatsFloorOnClipI: rows.prefix.clipI > rows.floor.clipI,
    twoStageAtLeastLoraOnClipI: rows['two-stage'].clipI >= rows.lora.clipI,
    loraAtLeastEmbeddingOnClipI: rows.lora.clipI >= rows.embedding.clipI,
    cacheSeveralTimesFaster: sampling.speedup >= CACHE_SPEEDUP,
  };
}

/** 1 − the mean cosine over distinct pairs of rows (row-major [n, dim]); 0 for fewer than two rows. */
export function diversity(embeddings: Float32Array, n: number): number {
  if (n < 2) return 0;
  const dim = embeddings.length / n;
  const m = cosineMatrix({ data: embeddings, rows: n, dim }, { data: embeddings, rows: n, dim });
  let sum = 0;
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) sum += m[i * n + j];
  return 1 - sum / ((n * (n - 1)) / 2);
}

/** What a run records of how it ran: the step counts and the protocol's constants. */
export interface ArBenchRun extends ArBenchSettings {
  pack: string;
  backend: string;
  webBackend: string;
  threads: number;
  concepts: number;
  prompts: readonly string[];
  templates: readonly string[];
  lr: typeof LR;
  lora: typeof LORA;
  prefix: typeof PREFIX;
  sampling: typeof SAMPLING;
  /** Why the numbers may not mean what they say (a pack that lists no held-out concepts). */
  note?: string;
}

export interface ArBenchResult {
  settings: ArBenchRun;
  methods: Record<ArMethod, ArRow>;
  ceiling: { clipI: number; clipT: number; psnr: number };
  sampling: ArSamplingCost;
  checks: Record<string, boolean>;
}

/** Where output goes (the CLI's stdout, stderr and README; a test's own). */
export interface ArBenchIo {
  print(text: string): void;
  log(line: string): void;
  readme: string;
  /** Replaces the step counts (a test's tiny run). */
  settings?: Partial<ArBenchSettings>;
  /** Replaces AR_PROMPTS (a test pack's caption context is too short for the third). */
  prompts?: readonly string[];
}

const clock = async <T>(f: () => Promise<T>): Promise<[T, number]> => {
  const t0 = performance.now();
  const r = await f();
  return [r, (performance.now() - t0) / 1000];
};
const toUnit = (signed: Tensor): Tensor => f32(signed.shape, (signed.data as Float32Array).map((v) => (v + 1) / 2));
const toSigned = (unit: Tensor): Float32Array => (unit.data as Float32Array).map((v) => v * 2 - 1);
const count = (tensors: Record<string, Tensor>) => Object.values(tensors).reduce((n, t) => n + t.data.length, 0);

/** A method's adapters for one concept, with its trainable numbers. */
interface Tuned {
  adapters?: ArAdapters;
  parameters: number;
}

/** Every tuned method on one concept's grid, each timed; the two-stage method's first stage is the token embedding's run. */
async function tuneAll(model: ArModel, grid: Tensor, S: ArBenchSettings, seed: number): Promise<{ tuned: Record<ArMethod, Tuned>; seconds: Record<ArMethod, number> }> {
  const common = { batch: S.batch, seed, templates: TEMPLATES, token: TOKEN };
  const [e, tE] = await clock(() => trainArEmbedding(model, grid, { ...common, steps: S.embeddingSteps, lr: LR.embedding }));
  const [l, tL] = await clock(() => trainArLora(model, grid, { ...common, ...LORA, steps: S.loraSteps, lr: LR.lora }));
  const [t, tT] = await clock(() => trainArLora(model, grid, { ...common, ...LORA, steps: S.twoStageSteps, lr: LR.lora, embedding: e.embedding }));
  const [p, tP] = await clock(() => trainArPrefix(model, grid, { ...common, ...PREFIX, steps: S.prefixSteps, lr: LR.prefix }));
  const word = { [TOKEN]: e.embedding };
  const D = model.textDim;
  return {
    tuned: {
      floor: { parameters: 0 },
      embedding: { adapters: { embeddings: word }, parameters: D },
      lora: { adapters: { loras: [{ tensors: l.tensors, meta: l.meta, scale: 1 }] }, parameters: count(l.tensors) },
      'two-stage': { adapters: { loras: [{ tensors: t.tensors, meta: t.meta, scale: 1 }], embeddings: word }, parameters: D + count(t.tensors) },
      prefix: { adapters: { prefix: p.tensors }, parameters: count(p.tensors) },
    },
    seconds: { floor: 0, embedding: tE, lora: tL, 'two-stage': tE + tT, prefix: tP },
  };
}

export async function runArBench(argv: string[], io: ArBenchIo = { print: (s) => process.stdout.write(s), log: (s) => process.stderr.write(`${s}\n`), readme: join(import.meta.dirname, '..', 'README.md') }): Promise<ArBenchResult> {
  const { values: opt } = parseArgs({
    args: argv,
    options: {
      family: { type: 'string' },
      json: { type: 'boolean' },
      quick: { type: 'boolean' },
      record: { type: 'boolean' },
      concepts: { type: 'string' },
      pack: { type: 'string', default: EMOJI_AR_PACK_DIR },
    },
  });
  const S: ArBenchSettings = { ...(opt.quick ? AR_QUICK : AR_FULL), ...io.settings };
  const PROMPTS = io.prompts ?? AR_PROMPTS;
  if (S.perPrompt < 2) throw new Error(`the diversity compares samples of one prompt: give at least 2 per prompt, not ${S.perPrompt}`);
  const concepts = opt.concepts === undefined ? undefined : Number(opt.concepts);
  if (concepts !== undefined && !(Number.isInteger(concepts) && concepts >= 1)) throw new Error(`--concepts takes a positive whole number, got ${opt.concepts}`);
  const log = (s: string) => opt.json || io.log(s);
  const packDir = opt.pack!;
  if (!existsSync(join(packDir, 'manifest.json')))
    throw new Error(`bench:personalize --family ar: no AR pack in ${packDir} (train it first: npm run train -- ar-tokenizer, then npm run train -- ar)`);

  const pack = await loadArPack(fileFetchBytes(packDir), { who: 'bench:personalize --family ar' });
  if (!pack.evaluator) throw new Error(`the AR pack in ${packDir} has no evaluator to score with`);
  // The held-out numbers mean something only if the pack was trained without these concepts.
  const heldOut = readHoldout().concepts;
  const packHeld = new Set(pack.manifest.dataset.heldOutConcepts);
  let note: string | undefined;
  if (!packHeld.size) note = 'the pack lists no held-out concepts, so nothing shows it never saw these';
  else if (packHeld.size !== heldOut.length || heldOut.some((c) => !packHeld.has(c.concept)))
    throw new Error(`the AR pack in ${packDir} lists other held-out concepts than models/data/holdout.json: its held-out images may have been trained on`);

  const session = { threads: 1 };
  const model = ArModel.create({ loaded: pack, backend: nodeBackend, session });
  const clip = await ClipEmbedder.create(pack.evaluator.config, pack.evaluator.weights, { backend: nodeBackend, session, batch: PROMPTS.length * S.perPrompt });
  let web: ArModel | null = null;
  const size = pack.evaluator.config.imageSize;

  const chosenHoldout = heldOut.slice(0, concepts);
  const items = loadEmojiDataset({ split: 'holdout', styles: ['twemoji'] }).filter((it) => !it.tone);
  const chosen = chosenHoldout.map((c) => ({ ...c, item: items.find((it) => it.concept === c.concept) })).filter((c) => c.item);
  if (!chosen.length) throw new Error('no held-out concept has a Twemoji image to personalize on');
  const pixels = await loadPixels(chosen.map((c) => c.item!));
  const webConcepts = Math.min(S.webConcepts, chosen.length);

  const per = Object.fromEntries(AR_METHODS.map((m) => [m, { clipI: [] as number[], clipT: [] as number[], diversity: [] as number[], parameters: [] as number[], node: [] as number[], web: [] as number[] }])) as Record<
    ArMethod,
    Record<'clipI' | 'clipT' | 'diversity' | 'parameters' | 'node' | 'web', number[]>
  >;
  const ceiling = { clipI: [] as number[], clipT: [] as number[], psnr: [] as number[] };
  const k = S.perPrompt;
  try {
    for (const [i, c] of chosen.entries()) {
      const ref = pixelBatch(pixels, [i]);
      const reference = { data: ref.data as Float32Array, n: 1 };
      const grid = await model.encode(toUnit(ref));

      // The ceiling: the reference's own grid decoded, against its own caption.
      const round = toSigned(await model.decode(grid));
      const sc = await scoreImages(clip, pack.tokenizer, { images: round, n: 1, size, references: reference, prompt: PROMPTS[0], placeholderAs: c.name });
      ceiling.clipI.push(sc.clipI);
      ceiling.clipT.push(sc.clipT);
      ceiling.psnr.push(sc.psnr);

      const { tuned, seconds } = await tuneAll(model, grid, S, i);
      const parts: string[] = [];
      for (const m of AR_METHODS) {
        // The floor never saw the concept: its name stands where the placeholder would.
        const prompts = PROMPTS.flatMap((p) => new Array<string>(k).fill(m === 'floor' ? p.replaceAll(TOKEN, c.name) : p));
        // The same seeds for every method: the rows differ only by what was tuned.
        const { tokens } = await model.sample({ prompts, seed: 1000 * i, ...SAMPLING, cache: true, adapters: tuned[m].adapters });
        const images = toSigned(await model.decode(tokens));
        const px = 3 * size * size;
        const embeds = (await clip.embedImages(images, prompts.length)).embedding.data;
        const dim = embeds.length / prompts.length;
        for (const [j, prompt] of PROMPTS.entries()) {
          const s = await scoreImages(clip, pack.tokenizer, { images: images.subarray(j * k * px, (j + 1) * k * px), n: k, size, references: reference, prompt, placeholderAs: c.name });
          per[m].clipI.push(s.clipI);
          per[m].clipT.push(s.clipT);
          per[m].diversity.push(diversity(embeds.subarray(j * k * dim, (j + 1) * k * dim), k));
        }
        per[m].parameters.push(tuned[m].parameters);
        per[m].node.push(seconds[m]);
        parts.push(`${m} CLIP-I ${mean(per[m].clipI.slice(-PROMPTS.length)).toFixed(3)}${m === 'floor' ? '' : ` ${seconds[m].toFixed(1)} s`}`);
      }

      // The browser's runtime: the same tuning timed again (its results are not sampled).
      if (i < webConcepts) {
        if (!web) {
          configureWasm({ threads: 1 });
          web = ArModel.create({ loaded: pack, backend: webBackend, session });
        }
        const w = await tuneAll(web, grid, S, i);
        for (const m of TUNED) per[m].web.push(w.seconds[m]);
        parts.push(`web ${TUNED.map((m) => `${m} ${w.seconds[m].toFixed(1)} s`).join(', ')}`);
      }
      log(`[${i + 1}/${chosen.length}] ${c.name}: ceiling CLIP-I ${sc.clipI.toFixed(3)}; ${parts.join('; ')}`);
    }

    // Sampling cost of the base model, on the floor's captions, after the sessions of both paths are made.
    const captions = Array.from({ length: S.timing }, (_, j) => PROMPTS[0].replaceAll(TOKEN, chosen[j % chosen.length].name));
    const T = model.grid.count;
    const { side } = model.grid;
    const mask = Uint8Array.from({ length: S.timing * T }, (_, j) => (j % T === 0 ? 0 : 1));
    for (const cache of [true, false]) await model.sample({ prompts: captions, seed: 0, ...SAMPLING, cache, keep: { tokens: tensor('int32', [S.timing, side, side]), mask } });
    const timed = async (cache: boolean) => {
      const [r, s] = await clock(() => model.sample({ prompts: captions, seed: 7, ...SAMPLING, cache }));
      return { tokens: r.tokens.data as Int32Array, ms: (1000 * s) / S.timing };
    };
    const [cached, full] = [await timed(true), await timed(false)];
    const sampling: ArSamplingCost = {
      batch: S.timing,
      msPerImageCache: cached.ms,
      msPerImageNoCache: full.ms,
      speedup: full.ms / cached.ms,
      agreement: cached.tokens.reduce((n, t, j) => n + (t === full.tokens[j] ? 1 : 0), 0) / cached.tokens.length,
    };

    const methods = Object.fromEntries(
      AR_METHODS.map((m) => {
        const p = per[m];
        return [m, { clipI: mean(p.clipI), clipT: mean(p.clipT), diversity: mean(p.diversity), parameters: mean(p.parameters), secondsNode: mean(p.node), secondsWeb: m === 'floor' ? 0 : p.web.length ? mean(p.web) : null }];
      }),
    ) as Record<ArMethod, ArRow>;
    const checks = arChecks(methods, sampling);
    const settings: ArBenchRun = {
      pack: pack.manifest.name,
      backend: model.backend.name,
      webBackend: webBackend.name,
      threads: 1,
      concepts: chosen.length,
      prompts: PROMPTS,
      templates: TEMPLATES,
      ...S,
      webConcepts,
      lr: LR,
      lora: LORA,
      prefix: PREFIX,
      sampling: SAMPLING,
      ...(note ? { note } : {}),
    };
    const result: ArBenchResult = { settings, methods, ceiling: { clipI: mean(ceiling.clipI), clipT: mean(ceiling.clipT), psnr: mean(ceiling.psnr) }, sampling, checks };
    const table = arMarkdown(result);
    io.print(opt.json ? `${JSON.stringify(result, null, 2)}\n` : `${table}\n`);
    // Only --record rewrites the README's block: a plain run prints and leaves files alone.
    if (opt.record) writeFileSync(io.readme, withArBlock(readFileSync(io.readme, 'utf8'), table));
    return result;
  } finally {
    await Promise.all([model.release(), clip.release(), web?.release()]);
  }
}

const LABELS: Record<ArMethod, string> = {
  floor: 'floor (class prompt)',
  embedding: 'token embedding (AR Textual Inversion)',
  lora: 'LoRA (attention)',
  'two-stage': 'two-stage (embedding, then LoRA)',
  prefix: 'prefix tuning',
};

export function arMarkdown(r: ArBenchResult): string {
  const s = r.settings;
  const f = (v: number, d = 3) => v.toFixed(d);
  // Three significant digits, so a few milliseconds do not print as 0.00.
  const seconds = (v: number) => (v >= 10 ? v.toFixed(1) : v.toPrecision(3));
  const t = r.sampling;
  return [
    `Pack ${s.pack}, ${s.backend}, 1 thread; ${s.concepts} held-out concepts, one Twemoji reference each (its token grid is what the methods learn from). Token embedding ${s.embeddingSteps} steps (lr ${s.lr.embedding}); LoRA ${s.loraSteps} steps (rank ${s.lora.rank}, α ${s.lora.alpha}, attention, lr ${s.lr.lora}, no prior term); two-stage: the token embedding's word, then ${s.twoStageSteps} LoRA steps with S* bound to it (its seconds count both stages); prefix ${s.prefixSteps} steps (${s.prefix.length} key/value tokens per layer, lr ${s.lr.prefix}); ${s.batch} rows per step. ${s.perPrompt} samples per prompt × ${s.prompts.length} prompts (temperature ${s.sampling.temperature}, guidance ${s.sampling.guidance}, key/value cache), the same seeds for every method; the floor puts the concept's name where S* stands. Diversity: 1 − the mean cosine of evaluator embeddings between samples of one prompt (0: copies). Web seconds: ${s.webBackend} (wasm, 1 thread, inside Node) on the first ${s.webConcepts} concept(s). Ceiling: the reference through the tokenizer's round trip (image → tokens → image, PSNR ${f(r.ceiling.psnr, 2)} dB), CLIP-T against its own caption.${s.note ? ` Note: ${s.note}.` : ''}`,
    '',
    '| method | CLIP-I ↑ | CLIP-T ↑ | diversity | trainable | s / concept (node) | s / concept (web) |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...AR_METHODS.map((m) => {
      const row = r.methods[m];
      const tuned = m !== 'floor';
      return `| ${LABELS[m]} | ${f(row.clipI)} | ${f(row.clipT)} | ${f(row.diversity)} | ${Math.round(row.parameters).toLocaleString('en')} | ${tuned ? seconds(row.secondsNode) : '—'} | ${tuned && row.secondsWeb !== null ? seconds(row.secondsWeb) : '—'} |`;
    }),
    `| ceiling (tokenizer round trip) | ${f(r.ceiling.clipI)} | ${f(r.ceiling.clipT)} | — | — | — | — |`,
    '',
    `Sampling (base model, ${t.batch} captions at once, guidance ${s.sampling.guidance}): ${t.msPerImageCache.toPrecision(3)} ms per image with the key/value cache, ${t.msPerImageNoCache.toPrecision(3)} ms without (${f(t.speedup, 1)}×); ${(100 * t.agreement).toFixed(1)}% of tokens drawn alike.`,
    '',
    `Checks: ${Object.entries(r.checks).map(([k, v]) => `${k} ${v ? 'yes' : 'NO'}`).join('; ')}.`,
    '',
    'Anchor (DreamBench CLIP-I, from the CoAR paper’s table): TI (SD) 0.780, DreamBooth (SD) 0.803, Lumina-mGPT + LoRA 0.697, Sun et al. two-stage 0.805, CoAR 0.815.',
  ].join('\n');
}

/** The README with the AR block replaced, or added after the GAN benchmark's section. */
export const withArBlock = (text: string, table: string) =>
  withReadmeBlock(text, table, { name: 'personalize:ar', heading: 'AR personalization benchmark', command: 'npm run bench:personalize -- --family ar', after: '<!-- /bench:personalize:gan -->' });
