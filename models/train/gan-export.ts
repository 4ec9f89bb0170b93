// Writes the GAN pack (public/models/emoji-gan) from a GAN training checkpoint: the generator's EMA
// weights and w_avg (optimizer-state entries ema/<name>) as generator.safetensors, a byte copy of the
// diffusion pack's evaluator (same file, same sha256, same entry: metrics of both families are
// measured by one model) with the tokenizer its text tower reads, and manifest.json with the class
// list and the training recipe.
// Re-exporting the same weights keeps the generator's measured metrics and the encoder trained
// against it; new weights drop both (an encoder fitted to other weights would mislead). The GAN
// encoder's trainer writes encoder.safetensors into the pack and leaves its manifest entry in its
// run folder (encoder-entry.json): an export given that folder adds the entry when the encoder
// was trained against this very generator and its file in the pack is the one the entry names.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { f32, type Tensor } from '../../ml/index.ts';
import { nodeBackend } from '../../ml/session/node.ts';
import { STYLES } from '../data/catalog.ts';
import { type GanConfig, ganConfigSchema } from '../gan/config.ts';
import { GanSampler } from '../gan/sampler.ts';
import { toFloat16, toFloat32 } from '../pack/half.ts';
import { ganGeneratorArchitecture, generatorWeightShapes } from '../gan/architecture.ts';
import { emojiGanPackBase } from '../pack/emoji-pack.ts';
import { PackError, requireFamily, sha256Hex } from '../pack/load.ts';
import { type ComponentEntry, type GanManifest, ganEncoderEntrySchema } from '../pack/manifest.ts';
import type { TokenizerConfig } from '../text/tokenizer.ts';
import { EMOJI_PACK_DIR, readDiffusionManifest, readManifest, writeManifest, writeWeightsFile } from '../pack/write.ts';
import { type CheckpointState, checkpointStateSchema, loadCheckpoint } from './checkpoint.ts';

type GanEncoderEntry = NonNullable<GanManifest['components']['encoder']>;

/** The pack's size budget (generator + evaluator + manifest). */
export const GAN_PACK_BUDGET_BYTES = 15e6;

/**
 * How the generator is stored: float16 (half the bytes) when it renders the same pictures, judged
 * on fixed samples: every pixel value within `maxLevels` 8-bit levels of the float32 weights'
 * rendering, else float32. On the run's early weights rounding moved pixels by at most 0.19 of a
 * level at iteration 600 (about 3% of 8-bit values differ by one level, none by two) and 0.62 at
 * 1,400: the change grows as the weights do, hence a measurement at every export, not a default.
 */
export const HALF_CHECK = { samples: 32, seed: 4321, maxLevels: 1 } as const;

// What the trainer (gan.train.ts) records in its checkpoint settings; read back with bounds.
const ganSettingsSchema = z.object({
  config: ganConfigSchema,
  hyper: z.object({ batch: z.number().int().positive(), lr: z.number().positive(), r1Gamma: z.number(), r1Interval: z.number().int().positive(), emaHalfLifeImages: z.number().positive() }),
  steps: z.number().int().positive(),
  classes: z.array(z.string().min(1)),
  images: z.number().int().nonnegative(),
  smoke: z.boolean().optional(),
});

export interface GanExportOptions {
  /** The run's checkpoint folder (<checkpoints>/gan). */
  checkpointDir: string;
  /** The pack folder to write. */
  dir: string;
  /** The diffusion pack whose evaluator is copied (default the built-in one). */
  evaluatorFrom?: string;
  /** onnxruntime threads the run used (the recipe records it; the float16 check runs on as many). */
  threads: number;
  /** Storage dtype; default 'auto': float16 when HALF_CHECK passes. */
  dtype?: 'auto' | 'float32' | 'float16';
  /** The GAN encoder's run folder (<checkpoints>/gan-encoder), whose exported encoder may join the pack. */
  encoderRun?: string;
}

export interface GanExport {
  /** The checkpoint's state (step, total steps, wall time) the weights come from. */
  state: CheckpointState;
  manifest: GanManifest;
  generator: ComponentEntry;
  /** Bytes of the pack's files (weights and manifest). */
  packBytes: number;
  /** What became of the encoder (kept, added, dropped, left out and why), for the log. */
  notes: string[];
}

const fmt = (n: number) => n.toLocaleString('en-US');

export async function exportGanPack(o: GanExportOptions): Promise<GanExport> {
  const ckpt = loadCheckpoint(o.checkpointDir);
  if (ckpt.state.model !== 'gan') throw new Error(`the checkpoint in ${o.checkpointDir} is of model "${ckpt.state.model}", not gan`);
  const parsed = ganSettingsSchema.safeParse(ckpt.state.settings);
  if (!parsed.success) throw new Error(`the checkpoint in ${o.checkpointDir} has no GAN settings: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  const s = parsed.data;
  const arch = ganGeneratorArchitecture(s.config);

  // The shipped weights are the EMA's; its buffers are flat, the architecture gives the shapes.
  const tensors: Record<string, Tensor> = {};
  for (const [name, shape] of Object.entries(generatorWeightShapes(arch))) {
    const e = ckpt.optimizer[`ema/${name}`];
    const n = shape.reduce((a, b) => a * b, 1);
    if (!e) throw new Error(`the checkpoint in ${o.checkpointDir} has no EMA of "${name}" (optimizer entry ema/${name})`);
    if (e.data.length !== n) throw new Error(`the checkpoint's ema/${name} has ${e.data.length} values; the generator needs [${shape}] (${n})`);
    tensors[name] = f32(shape, e.data as Float32Array);
  }

  // A folder holding another family's pack is refused before any file in it is replaced.
  const old = readManifest(o.dir);
  const prev = old && requireFamily(old, 'stylegan', `exporting the GAN pack into ${o.dir}`);
  const { evaluator, tokenizer } = await copyEvaluator(o.evaluatorFrom ?? EMOJI_PACK_DIR, o.dir);
  const drift = await halfPrecisionDrift(s.config, tensors, o.threads);
  const dtype = !o.dtype || o.dtype === 'auto' ? (drift < HALF_CHECK.maxLevels ? 'float16' : 'float32') : o.dtype;
  const file = await writeWeightsFile(o.dir, 'generator', tensors, dtype);
  const h = s.hyper;
  const styles = s.smoke ? 'a smoke run’s handful of images' : `all ${STYLES.length} styles (${STYLES.join(', ')})`;
  const recipe = {
    steps: ckpt.state.step,
    batch: h.batch,
    lr: h.lr,
    optimizer: `Adam β 0/0.99, lazy R1 γ ${h.r1Gamma} every ${h.r1Interval} iterations, EMA half-life ${fmt(h.emaHalfLifeImages)} images, DiffAugment colour/translation/cutout`,
    wallTimeSeconds: Math.round(ckpt.state.wallTimeSeconds),
    threads: o.threads,
    data: `emoji train split, ${styles}, ${fmt(s.images)} images, conditioned on ${s.classes.length} Unicode sub-categories`,
    seed: ckpt.state.seed,
    notes:
      `StyleGAN2-like generator (mapping ${s.config.mappingLayers} layers, lr ×${s.config.mappingLrMul}; channels ${s.config.channels.join('/')}), ` +
      `non-saturating logistic loss, discriminator channels ${s.config.dChannels.join('/')} with minibatch std; ` +
      `exported: the generator's EMA weights and w_avg (β 0.995) of iteration ${ckpt.state.step} of ${s.steps}, ` +
      `stored ${dtype} (float16 rounding moves ${HALF_CHECK.samples} fixed samples by at most ${drift.toFixed(2)} of an 8-bit level)`,
  };
  const m = emojiGanPackBase(s.config, s.classes, { generator: { ...file, recipe }, evaluator }, tokenizer);

  // What outlives a re-export: only what was measured on, or fitted to, these very weights.
  const notes: string[] = [];
  const sameGenerator = prev?.components.generator.sha256 === file.sha256;
  if (sameGenerator && prev.components.generator.metrics) m.components.generator.metrics = prev.components.generator.metrics;
  if (sameGenerator && prev.components.encoder) m.components.encoder = prev.components.encoder;
  else if (prev?.components.encoder) {
    rmSync(join(o.dir, prev.components.encoder.weights), { force: true });
    notes.push(`dropped the encoder: it was trained against the generator this export replaces`);
  }
  if (o.encoderRun) {
    const r = await encoderFromRun(o.encoderRun, o.dir, file.sha256);
    if (r.entry) m.components.encoder = r.entry;
    if (r.note) notes.push(r.note);
  }
  // Checked before the manifest is written, so a pack over budget is never left half-updated.
  const packBytes = file.bytes + evaluator.bytes + (m.components.encoder?.bytes ?? 0) + new TextEncoder().encode(JSON.stringify(m, null, 2)).byteLength;
  if (packBytes > GAN_PACK_BUDGET_BYTES) throw new Error(`the GAN pack in ${o.dir} would be ${(packBytes / 1e6).toFixed(1)} MB, over its ${GAN_PACK_BUDGET_BYTES / 1e6} MB budget`);
  writeManifest(o.dir, m);
  return { state: ckpt.state, manifest: m, generator: m.components.generator, packBytes, notes };
}

// Where gan-encoder.train.ts leaves the entry of the encoder it exported.
const ENCODER_ENTRY_FILE = 'encoder-entry.json';

/** The encoder run's exported entry, if it belongs in this pack (else why not; nothing when the run exported none). */
async function encoderFromRun(run: string, dir: string, generatorSha256: string): Promise<{ entry?: GanEncoderEntry; note?: string }> {
  const file = join(run, ENCODER_ENTRY_FILE);
  if (!existsSync(file)) return {};
  const parsed = ganEncoderEntrySchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
  if (!parsed.success) return { note: `left out the encoder: ${file} is not an encoder entry (${parsed.error.issues[0]?.message})` };
  const entry = parsed.data;
  const state = checkpointStateSchema.safeParse(JSON.parse(readFileSync(join(run, 'state.json'), 'utf8')));
  const against = state.success ? (state.data.settings.gan as { fingerprint?: unknown } | undefined)?.fingerprint : undefined;
  if (against !== generatorSha256) return { note: `left out the encoder in ${run}: it was trained against another generator (fingerprint ${String(against).slice(0, 12)}, this one ${generatorSha256.slice(0, 12)})` };
  const weights = join(dir, entry.weights);
  const bytes = existsSync(weights) ? new Uint8Array(readFileSync(weights)) : null;
  if (!bytes || bytes.byteLength !== entry.bytes || (await sha256Hex(bytes)) !== entry.sha256) return { note: `left out the encoder: ${weights} is not the file ${file} describes` };
  return { entry, note: `added the encoder from ${run}` };
}

/**
 * Copies the diffusion pack's evaluator file (checked against its sha256); returns its entry
 * unchanged and the tokenizer its text tower reads.
 */
async function copyEvaluator(from: string, dir: string): Promise<{ evaluator: ComponentEntry; tokenizer: TokenizerConfig }> {
  const source = readDiffusionManifest(from);
  const entry = source?.components.evaluator;
  if (!entry) throw new PackError(`the pack in ${from} has no evaluator to copy into the GAN pack (npm run train -- evaluator)`);
  const src = join(from, entry.weights);
  if (!existsSync(src)) throw new PackError(`weights file ${entry.weights} is missing from ${from}`, 'evaluator');
  const bytes = new Uint8Array(readFileSync(src));
  if ((await sha256Hex(bytes)) !== entry.sha256) throw new PackError(`weights file ${entry.weights} in ${from} does not match its sha256`, 'evaluator');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, entry.weights), bytes);
  return { evaluator: entry, tokenizer: source!.tokenizer };
}

/** The largest change, in 8-bit levels, that rounding the weights to float16 makes to fixed samples. */
export async function halfPrecisionDrift(config: GanConfig, tensors: Record<string, Tensor>, threads: number): Promise<number> {
  const half = Object.fromEntries(Object.entries(tensors).map(([k, t]) => [k, toFloat32(toFloat16(t))]));
  const requests = Array.from({ length: HALF_CHECK.samples }, (_, i) => ({ seed: HALF_CHECK.seed + i, cls: config.classes ? i % config.classes : 0 }));
  const render = async (w: Record<string, Tensor>) => {
    const sampler = await GanSampler.create(config, w, { backend: nodeBackend, session: { threads }, batch: 16 });
    try {
      return await sampler.render(requests);
    } finally {
      await sampler.release();
    }
  };
  const [a, b] = [await render(tensors), await render(half)];
  const level = (v: number) => Math.max(0, Math.min(255, (v + 1) * 127.5));
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(level(a[i]) - level(b[i])));
  return max;
}
