// Writes the AR pack (public/models/emoji-ar) from the two training runs: the image tokenizer's
// weights (its run's last checkpoint; without one, the pack's own tokenizer file is kept) and the
// transformer's EMA weights (optimizer-state entries ema/ar.*), each with its architecture, recipe
// and last measurements, plus byte copies of the diffusion pack's text encoder (the caption prefix
// comes from it), VAE (the tokens decode to its latent) and evaluator (metrics of every family are
// measured by one model), each checked against its sha256 and entered unchanged, so the pack is
// self-contained.
//
// Before anything is written the pieces must belong together: the transformer was trained on the
// token grids of this very tokenizer (its data key carries the tokenizer's fingerprint) and on the
// prefix of this text encoder (its sha256), and the tokenizer on latents of this VAE at this scale.
//
// Size: the copies take about 10 MB, the tokenizer 6 MB and the transformer 21 MB in float32, over
// the 25 MB budget; both are stored in float16 when that changes nothing that matters (HALF_CHECK):
// the transformer when its greedy choices agree, the tokenizer when its decoded images stay within
// an 8-bit level and re-encoding gives the same tokens. Measured at every export, since the margin
// depends on the weights; the pack is refused before its manifest is written if it is over budget.
import { copyFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { f32, freezeWeights, i64, readSafetensors, type Tensor, toOnnxBytes } from '../../ml/index.ts';
import { nodeBackend } from '../../ml/session/node.ts';
import { arLoraLayers, arTokenizerArchitecture, arTransformerArchitecture } from '../ar/architecture.ts';
import { type ArTokenizerConfig, codebookSize } from '../ar/config.ts';
import { type ArModelConfig, arLogitsGraph, arModelConfigSchema, transformerWeightShapes } from '../ar/graphs.ts';
import { ArSampler } from '../ar/sample.ts';
import { TokenizerSession } from '../ar/tokenizer-session.ts';
import { imageTokens } from '../ar/transformer-config.ts';
import { STYLES } from '../data/catalog.ts';
import { readHoldout } from '../data/emoji.ts';
import { type VaeConfig, vaeConfigSchema } from '../diffusion/vae.ts';
import { VaeDecoderSession } from '../eval/vae-decode.ts';
import { toFloat16, toFloat32 } from '../pack/half.ts';
import { PackError, requireFamily, sha256Hex } from '../pack/load.ts';
import type { ArManifest, ComponentEntry, DiffusionManifest } from '../pack/manifest.ts';
import { EMOJI_PACK_DIR, readDiffusionManifest, readManifest, writeManifest, writeWeightsFile } from '../pack/write.ts';
import { Tokenizer } from '../text/tokenizer.ts';
import { checkTrainedOn, fingerprintOfKey, type ImageTokenizer, imageTokenizerFromPack, imageTokenizerFromRun } from './ar-tokens.ts';
import { type CheckpointState, hasCheckpoint, loadCheckpoint } from './checkpoint.ts';
import { LOSS_LOG } from './loop.ts';

export const EMOJI_AR_PACK_NAME = 'emoji-ar';

/** The pack's size budget (every weights file and the manifest). */
export const AR_PACK_BUDGET_BYTES = 25e6;

/**
 * When float16 is good enough, judged on fixed captions: the float32 transformer's greedy grids are
 * fed back (teacher forcing) through both precisions, and float16 passes when at least
 * `minAgreement` of the positions pick the same most likely token; the tokenizer passes when those
 * grids decode (tokenizer decoder, then the VAE) to images within `maxLevels` 8-bit levels of the
 * float32 ones and re-encoding their latents gives the same tokens at `minAgreement` of positions.
 */
export const HALF_CHECK = {
  captions: ['grinning face, twemoji style', 'red heart, noto style', 'thumbs up sign, medium skin tone, fluent style', 'dog face, fluent-flat style', 'rocket, firefox style', 'sun with face, noto-v1 style', 'face with tears of joy, twemoji style', 'pizza, noto style'],
  minAgreement: 0.99,
  maxLevels: 1,
} as const;

// What ar.train.ts records in its checkpoint settings; read back with bounds.
const arSettingsSchema = z.object({
  config: arModelConfigSchema,
  data: z.string(),
  textEncoder: z.string(),
  batch: z.number().int().positive(),
  lr: z.number().positive(),
  warmup: z.number().int().nonnegative(),
  minLrRatio: z.number(),
  weightDecay: z.number(),
  clipNorm: z.number(),
  captionDropout: z.number(),
  emaDecay: z.number(),
  steps: z.number().int().positive(),
  smoke: z.boolean().optional(),
});

type Dtype = 'auto' | 'float32' | 'float16';
type ArEntries = ArManifest['components'];

const readManifestOf = (dir: string) => requireFamily(readManifest(dir)!, 'autoregressive');

export interface ArExportOptions {
  /** The image tokenizer's run folder (<checkpoints>/ar-tokenizer); without a checkpoint there, the pack's own tokenizer in `dir` is kept. */
  tokenizerRun?: string;
  /** The transformer's run folder (<checkpoints>/ar). */
  transformerRun: string;
  /** The pack folder to write. */
  dir: string;
  /** The diffusion pack whose text encoder, VAE and evaluator are copied (default the built-in one). */
  diffusionPack?: string;
  /** onnxruntime threads (the recipe records it; the float16 checks run on as many). */
  threads: number;
  /** Storage dtypes; default 'auto': float16 when HALF_CHECK passes. */
  dtype?: { transformer?: Dtype; imageTokenizer?: Dtype };
  /** Size budget (default AR_PACK_BUDGET_BYTES). */
  budgetBytes?: number;
}

export interface HalfPrecisionReport {
  /** Share of positions whose most likely token is the same with float16 transformer weights. */
  transformerAgreement: number;
  /** Largest change of a logit. */
  maxLogitChange: number;
  /** Largest change of a decoded pixel, in 8-bit levels, with float16 tokenizer weights (null: the pack's tokenizer was kept). */
  tokenizerLevels: number | null;
  /** Share of re-encoded tokens that are the same with float16 tokenizer weights. */
  tokenizerAgreement: number | null;
}

export interface ArExport {
  /** The transformer checkpoint's state the weights come from. */
  state: CheckpointState;
  manifest: ArManifest;
  imageTokenizer: ComponentEntry;
  transformer: ComponentEntry;
  /** Bytes of the pack's files (weights and manifest). */
  packBytes: number;
  half: HalfPrecisionReport;
  /** What was kept or measured, for the log. */
  notes: string[];
}

const fmt = (n: number) => n.toLocaleString('en-US');
const pct = (x: number) => `${(100 * x).toFixed(2)}%`;

export async function exportArPack(o: ArExportOptions): Promise<ArExport> {
  const from = o.diffusionPack ?? EMOJI_PACK_DIR;
  const notes: string[] = [];

  // The transformer: its settings, and the EMA of every weight at the shapes its config needs.
  const ckpt = loadCheckpoint(o.transformerRun);
  if (ckpt.state.model !== 'ar') throw new Error(`the checkpoint in ${o.transformerRun} is of model "${ckpt.state.model}", not ar`);
  const parsed = arSettingsSchema.safeParse(ckpt.state.settings);
  if (!parsed.success) throw new Error(`the checkpoint in ${o.transformerRun} has no AR transformer settings: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  const s = parsed.data;
  const model: ArModelConfig = s.config;
  const transformer: Record<string, Tensor> = {};
  for (const [name, shape] of Object.entries(transformerWeightShapes(model))) {
    const e = ckpt.optimizer[`ema/${name}`];
    const n = shape.reduce((a, b) => a * b, 1);
    if (!e) throw new Error(`the checkpoint in ${o.transformerRun} has no EMA of "${name}" (optimizer entry ema/${name})`);
    if (e.data.length !== n) throw new Error(`the checkpoint's ema/${name} has ${e.data.length} values; the transformer needs [${shape}] (${n})`);
    transformer[name] = f32(shape, e.data as Float32Array);
  }

  // The image tokenizer, which must be the one the transformer's grids came from.
  const fromRun = o.tokenizerRun !== undefined && hasCheckpoint(o.tokenizerRun);
  const tokenizer = fromRun ? await imageTokenizerFromRun(o.tokenizerRun!) : await imageTokenizerFromPack(o.dir);
  if (!tokenizer) throw new Error(`no image tokenizer to pack: no checkpoint in ${o.tokenizerRun ?? '(no tokenizer run given)'} and no AR pack in ${o.dir}; run npm run train -- ar-tokenizer first`);
  const trainedOn = fingerprintOfKey(s.data);
  if (!trainedOn) throw new Error(`the transformer in ${o.transformerRun} was trained on ${s.data}, not on an image tokenizer's grids: there is nothing to pack`);
  if (trainedOn !== tokenizer.fingerprint)
    throw new Error(
      `the transformer in ${o.transformerRun} was trained on the grids of another image tokenizer (fingerprint ${trainedOn.slice(0, 12)}…) than ${tokenizer.origin} (${tokenizer.fingerprint.slice(0, 12)}…): ` +
        'retrain it on this one (npm run train -- ar) or export with the tokenizer it was trained on',
    );

  // The diffusion pack's three components, which must be the ones both were trained with.
  const diffusion = readDiffusionManifest(from);
  const dc = diffusion?.components;
  if (!diffusion || !dc?.textEncoder || !dc.vae || !dc.evaluator)
    throw new PackError(`the pack in ${from} lacks ${['textEncoder', 'vae', 'evaluator'].filter((c) => !dc?.[c as 'vae']).join(', ')}, which the AR pack copies`);
  if (dc.textEncoder.sha256 !== s.textEncoder)
    throw new Error(`the transformer in ${o.transformerRun} was trained on another text encoder (sha256 ${s.textEncoder.slice(0, 12)}…) than the one in ${from} (${dc.textEncoder.sha256.slice(0, 12)}…): retrain it (npm run train -- ar)`);
  checkTrainedOn(tokenizer, dc.vae.sha256, diffusion.latent.scalingFactor, from);

  // A folder holding another family's pack is refused before any file in it is replaced.
  const old = readManifest(o.dir);
  const prev = old && requireFamily(old, 'autoregressive', `exporting the AR pack into ${o.dir}`);
  const copies = { textEncoder: await copyComponent(from, o.dir, dc.textEncoder, 'textEncoder'), vae: await copyComponent(from, o.dir, dc.vae, 'vae'), evaluator: await copyComponent(from, o.dir, dc.evaluator, 'evaluator') };

  const half = await halfPrecisionReport({ model, transformer, tokenizer: fromRun ? tokenizer : null, diffusion, from, threads: o.threads });
  const pick = (want: Dtype | undefined, ok: boolean) => (!want || want === 'auto' ? (ok ? 'float16' : 'float32') : want);
  const transformerDtype = pick(o.dtype?.transformer, half.transformerAgreement >= HALF_CHECK.minAgreement);
  const transformerFile = await writeWeightsFile(o.dir, 'transformer', transformer, transformerDtype);
  const transformerEntry: ArEntries['transformer'] = {
    ...transformerFile,
    architecture: arTransformerArchitecture(model.transformer),
    recipe: transformerRecipe(ckpt.state, s, o.threads, transformerDtype, half),
    ...withMetrics(lastCheckpointRow(o.transformerRun), { probeLoss: 'trainProbeNll' }),
  };

  let tokenizerEntry: ArEntries['imageTokenizer'];
  if (fromRun) {
    const ok = half.tokenizerLevels! < HALF_CHECK.maxLevels && half.tokenizerAgreement! >= HALF_CHECK.minAgreement;
    const dtype = pick(o.dtype?.imageTokenizer, ok);
    const run = tokenizer.run!;
    tokenizerEntry = {
      ...(await writeWeightsFile(o.dir, 'imageTokenizer', tokenizer.weights, dtype)),
      architecture: arTokenizerArchitecture(tokenizer.config),
      recipe: tokenizerRecipe(run.state, tokenizer.config, o.threads, dtype, half),
      ...withMetrics(lastCheckpointRow(run.dir), { heldOutMse: 'heldOutLatentMse', usage: 'codeUsage', perplexity: 'codePerplexity' }),
    };
  } else {
    tokenizerEntry = readManifestOf(o.dir).components.imageTokenizer;
    notes.push(`kept the pack's image tokenizer (${tokenizerEntry.weights}): no tokenizer checkpoint in ${o.tokenizerRun ?? '(none given)'}`);
  }
  // Measurements made elsewhere (evaluation scripts) outlive a re-export of the same weights.
  for (const [entry, before] of [
    [transformerEntry, prev?.components.transformer],
    [tokenizerEntry, prev?.components.imageTokenizer],
  ] as const)
    if (before?.metrics && before.sha256 === entry.sha256) entry.metrics = { ...before.metrics, ...entry.metrics };

  const vaeConfig = vaeConfigSchema.parse(dc.vae.architecture);
  const m: ArManifest = {
    schemaVersion: 1,
    name: EMOJI_AR_PACK_NAME,
    family: 'autoregressive',
    description:
      `A small autoregressive text-to-image family trained on emoji by this project, on CPU: an image tokenizer turns the VAE latent into ` +
      `${model.transformer.gridSize}×${model.transformer.gridSize} tokens of ${fmt(codebookSize(tokenizer.config.quantizer))} codes, and a decoder-only transformer predicts them in raster order after the caption.`,
    resolution: { width: vaeConfig.resolution, height: vaeConfig.resolution, channels: vaeConfig.imageChannels },
    background: diffusion.background,
    latent: diffusion.latent,
    tokenizer: diffusion.tokenizer,
    inversionSpaces: ['tokens', 'token-embedding', 'weights', 'prefix'],
    lora: [{ component: 'transformer', kind: 'attention', layers: arLoraLayers(model.transformer) }],
    // The same images as the diffusion pack's, through its own VAE and text encoder: the same licence and credit.
    license: diffusion.license,
    dataset: { description: diffusion.dataset.description, heldOutConcepts: readHoldout().concepts.map((c) => c.concept) },
    components: { imageTokenizer: tokenizerEntry, transformer: transformerEntry, ...copies },
  };
  // Checked before the manifest is written, so a pack over budget is never left half-updated.
  const packBytes = Object.values(m.components).reduce((n, c) => n + c.bytes, 0) + new TextEncoder().encode(JSON.stringify(m, null, 2)).byteLength;
  const budget = o.budgetBytes ?? AR_PACK_BUDGET_BYTES;
  if (packBytes > budget)
    throw new Error(
      `the AR pack in ${o.dir} would be ${(packBytes / 1e6).toFixed(1)} MB, over its ${budget / 1e6} MB budget ` +
        `(transformer ${transformerDtype}: float16 kept ${pct(half.transformerAgreement)} of greedy tokens; image tokenizer ${tokenizerEntry.dtype}` +
        `${half.tokenizerLevels === null ? '' : `: float16 moved pixels by ${half.tokenizerLevels.toFixed(2)} levels, kept ${pct(half.tokenizerAgreement!)} of tokens`})`,
    );
  writeManifest(o.dir, m);
  return { state: ckpt.state, manifest: m, imageTokenizer: tokenizerEntry, transformer: transformerEntry, packBytes, half, notes };
}

/** Copies a component's file from the diffusion pack (checked against its sha256); its entry stays as it is. */
async function copyComponent(from: string, dir: string, entry: ComponentEntry, name: string): Promise<ComponentEntry> {
  const src = join(from, entry.weights);
  if (!existsSync(src)) throw new PackError(`weights file ${entry.weights} is missing from ${from}`, name);
  if ((await sha256Hex(new Uint8Array(readFileSync(src)))) !== entry.sha256) throw new PackError(`weights file ${entry.weights} in ${from} does not match its sha256`, name);
  mkdirSync(dir, { recursive: true });
  copyFileSync(src, join(dir, entry.weights));
  return entry;
}

const fp16 = (w: Record<string, Tensor>) => Object.fromEntries(Object.entries(w).map(([k, t]) => [k, toFloat32(toFloat16(t))]));

interface HalfInputs {
  model: ArModelConfig;
  transformer: Record<string, Tensor>;
  /** The tokenizer to measure (null: it is kept as stored). */
  tokenizer: ImageTokenizer | null;
  diffusion: DiffusionManifest;
  from: string;
  threads: number;
}

/** What rounding the weights to float16 changes (see HALF_CHECK). */
export async function halfPrecisionReport(h: HalfInputs): Promise<HalfPrecisionReport> {
  const session = { threads: h.threads };
  const read = (e: ComponentEntry) => {
    const bytes = new Uint8Array(readFileSync(join(h.from, e.weights)));
    return Object.fromEntries(Object.entries(readSafetensors(bytes).tensors).map(([k, t]) => [k, toFloat32(t)]));
  };
  const text = read(h.diffusion.components.textEncoder!);
  const captions = new Tokenizer(h.diffusion.tokenizer);
  const ids = HALF_CHECK.captions.map((c) => captions.encode(c).ids);
  const B = ids.length;
  const N = imageTokens(h.model.transformer);
  const V = h.model.transformer.codebookSize;

  const sampler = ArSampler.create(h.model, { ...h.transformer, ...text }, { backend: nodeBackend, session });
  const grids = await sampler.sample(ids, { seed: 0, temperature: 0 }).finally(() => sampler.release());
  const logitsOf = async (w: Record<string, Tensor>) => {
    const s = await nodeBackend.create(toOnnxBytes(freezeWeights(arLogitsGraph(h.model, B).graph, { ...w, ...text })), session);
    try {
      const feeds = { ids: i64([B, ids[0].length], ids.flat()), drop_caption: f32([B, 1, 1]), tokens: i64([B, N], Array.from(grids.tokens)) };
      return (await s.run(feeds, ['logits'])).logits.data as Float32Array;
    } finally {
      await s.release();
    }
  };
  const [a, b] = [await logitsOf(h.transformer), await logitsOf(fp16(h.transformer))];
  let same = 0;
  let maxLogitChange = 0;
  for (let p = 0; p < B * N; p++) {
    const row = p * V;
    let [ia, ib] = [0, 0];
    for (let v = 0; v < V; v++) {
      if (a[row + v] > a[row + ia]) ia = v;
      if (b[row + v] > b[row + ib]) ib = v;
      maxLogitChange = Math.max(maxLogitChange, Math.abs(a[row + v] - b[row + v]));
    }
    if (ia === ib) same++;
  }
  const report: HalfPrecisionReport = { transformerAgreement: same / (B * N), maxLogitChange, tokenizerLevels: null, tokenizerAgreement: null };
  if (h.tokenizer) Object.assign(report, await tokenizerHalf(h.tokenizer.config, h.tokenizer.weights, grids.tokens, B, vaeOf(h.diffusion, read), h.diffusion.latent.scalingFactor, h.threads));
  return report;
}

function vaeOf(d: DiffusionManifest, read: (e: ComponentEntry) => Record<string, Tensor>): { config: VaeConfig; weights: Record<string, Tensor> } {
  return { config: vaeConfigSchema.parse(d.components.vae!.architecture), weights: read(d.components.vae!) };
}

/** Decoded pixels and re-encoded tokens of `grids` through float32 and float16 tokenizer weights. */
async function tokenizerHalf(config: ArTokenizerConfig, weights: Record<string, Tensor>, grids: Int32Array, n: number, vae: { config: VaeConfig; weights: Record<string, Tensor> }, scale: number, threads: number) {
  const opts = { backend: nodeBackend, threads, batch: n };
  const [full, half] = [new TokenizerSession(config, weights, opts), new TokenizerSession(config, fp16(weights), opts)];
  const decoder = await VaeDecoderSession.create(vae.config, vae.weights, scale, nodeBackend, { batch: n, session: { threads } });
  try {
    const [la, lb] = [await full.decode(grids, n), await half.decode(grids, n)];
    const [ia, ib] = [await decoder.decode(la, n), await decoder.decode(lb, n)];
    let levels = 0;
    for (let i = 0; i < ia.length; i++) levels = Math.max(levels, Math.abs(ia[i] - ib[i]) * 127.5);
    const [ta, tb] = [await full.encode(la, n), await half.encode(la, n)];
    let same = 0;
    for (let i = 0; i < ta.length; i++) if (ta[i] === tb[i]) same++;
    return { tokenizerLevels: levels, tokenizerAgreement: same / ta.length };
  } finally {
    await full.release();
    await half.release();
    await decoder.release();
  }
}

/** The last checkpoint line of a run's loss log (its measurements), if any. */
function lastCheckpointRow(dir: string): Record<string, unknown> | null {
  const file = join(dir, LOSS_LOG);
  if (!existsSync(file)) return null;
  const rows = readFileSync(file, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
  return rows.filter((r) => r.checkpoint).at(-1) ?? null;
}

/** The row's numbers under the manifest's names (none: no metrics field). */
function withMetrics(row: Record<string, unknown> | null, names: Record<string, string>): { metrics?: Record<string, number> } {
  const metrics: Record<string, number> = {};
  for (const [from, to] of Object.entries(names)) if (typeof row?.[from] === 'number' && Number.isFinite(row[from])) metrics[to] = row[from] as number;
  return Object.keys(metrics).length ? { metrics } : {};
}

function dataOf(smoke: boolean | undefined, images: string): string {
  return smoke ? `emoji train split, a smoke run's handful of images` : `emoji train split, all ${STYLES.length} styles (${STYLES.join(', ')}), ${images} images`;
}

function tokenizerRecipe(state: CheckpointState, config: ArTokenizerConfig, threads: number, dtype: string, half: HalfPrecisionReport): ComponentEntry['recipe'] {
  const st = state.settings as { batch?: number; lr?: number; warmup?: number; minLrRatio?: number; steps?: number; smoke?: boolean; data?: string };
  const q = config.quantizer;
  const images = /train (\d+)/.exec(String(st.data ?? ''))?.[1];
  return {
    steps: state.step,
    batch: st.batch ?? 1,
    lr: st.lr ?? 1e-3,
    optimizer: `Adam, ${st.warmup ?? 0} warmup steps then cosine to ×${st.minLrRatio ?? 1}`,
    wallTimeSeconds: Math.round(state.wallTimeSeconds),
    threads,
    data: `${dataOf(st.smoke, images ? fmt(Number(images)) : 'the held-in')}; VAE latent means × the pack's scaling factor`,
    seed: state.seed,
    notes:
      `${q.kind === 'fsq' ? `FSQ levels [${q.levels.join(', ')}] (straight-through rounding)` : `VQ, ${q.codes} codes of ${q.dim} (codebook + commitment β ${q.beta})`}, ` +
      `latent MSE; channels ${config.channels.join('/')}, blocks ${config.blocks.join('/')}; step ${state.step} of ${st.steps ?? state.totalSteps}; stored ${dtype} ` +
      `(float16 moves ${HALF_CHECK.captions.length} decoded grids by at most ${half.tokenizerLevels?.toFixed(2)} of an 8-bit level and keeps ${pct(half.tokenizerAgreement ?? 1)} of re-encoded tokens)`,
  };
}

function transformerRecipe(state: CheckpointState, s: z.infer<typeof arSettingsSchema>, threads: number, dtype: string, half: HalfPrecisionReport): ComponentEntry['recipe'] {
  const t = s.config.transformer;
  const images = /· (\d+) held-in images/.exec(s.data)?.[1];
  return {
    steps: state.step,
    batch: s.batch,
    lr: s.lr,
    optimizer: `AdamW (weight decay ${s.weightDecay}), ${s.warmup} warmup steps then cosine to ×${s.minLrRatio}, global-norm clip ${s.clipNorm}, EMA ${s.emaDecay}`,
    wallTimeSeconds: Math.round(state.wallTimeSeconds),
    threads,
    data: `${dataOf(s.smoke, images ? fmt(Number(images)) : 'the held-in')} as the image tokenizer's token grids, with their captions`,
    seed: state.seed,
    notes:
      `decoder-only pre-LayerNorm transformer (width ${t.width}, ${t.layers} layers, ${t.heads} heads) over ${t.gridSize}×${t.gridSize} tokens in raster order after the frozen text encoder's caption prefix; ` +
      `next-token cross-entropy, ${Math.round(s.captionDropout * 100)}% of captions dropped to the learned empty one (classifier-free guidance); ` +
      `exported: the EMA weights of step ${state.step} of ${s.steps}, stored ${dtype} (float16 keeps the most likely token at ${pct(half.transformerAgreement)} of ${HALF_CHECK.captions.length}×${t.gridSize ** 2} greedy positions; logits move by at most ${half.maxLogitChange.toPrecision(2)})`,
  };
}
