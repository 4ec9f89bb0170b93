// Writing a pack in Node: a component's weights go to <file>.safetensors and its entry (sha256,
// size, parameter count, architecture, recipe, metrics) into manifest.json. Trainers of different
// components share one manifest, so each write reads the current file, changes only its part,
// validates the whole and replaces the file atomically. A pack folder holds one family's manifest:
// an update made for another family is refused rather than turning one pack into the other.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Tensor, writeSafetensors } from '../../ml/index.ts';
import { toFloat16 } from './half.ts';
import { type FetchBytes, parseManifest, requireFamily, sha256Hex } from './load.ts';
import { type AnyComponentName, type ComponentEntry, type ComponentName, type DiffusionManifest, type Manifest, manifestSchema } from './manifest.ts';

const MODELS_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'public', 'models');
/** The built-in diffusion pack's folder in the repository. */
export const EMOJI_PACK_DIR = join(MODELS_DIR, 'emoji-diffusion');
/** The built-in GAN pack's folder in the repository. */
export const EMOJI_GAN_PACK_DIR = join(MODELS_DIR, 'emoji-gan');
/** The built-in AR pack's folder in the repository. */
export const EMOJI_AR_PACK_DIR = join(MODELS_DIR, 'emoji-ar');

/** File names on disk are kebab-case: textEncoder → text-encoder.safetensors. */
export const weightsFileName = (c: AnyComponentName) => `${c.replace(/[A-Z]/g, (m) => `-${m.toLowerCase()}`)}.safetensors`;

/** Pack files from a folder on disk (Node's way to feed loadPack). */
export function fileFetchBytes(dir: string): FetchBytes {
  return async (file) => new Uint8Array(readFileSync(join(dir, file)));
}

export function readManifest(dir: string): Manifest | null {
  const file = join(dir, 'manifest.json');
  return existsSync(file) ? parseManifest(new Uint8Array(readFileSync(file))) : null;
}

/** The folder's manifest when it is a diffusion pack's (null when there is none; another family is an error). */
export function readDiffusionManifest(dir: string): DiffusionManifest | null {
  const m = readManifest(dir);
  return m && requireFamily(m, 'latent-diffusion');
}

export function writeManifest(dir: string, m: Manifest): void {
  const valid = manifestSchema.parse(m);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'manifest.json');
  writeFileSync(`${file}.tmp`, `${JSON.stringify(valid, null, 2)}\n`);
  renameSync(`${file}.tmp`, file);
}

/**
 * Reads the manifest (or starts from `base`), applies `change`, validates and writes it. The
 * folder's manifest must be of base's family.
 */
export function updateManifest<M extends Manifest>(dir: string, base: () => M, change: (m: M) => void): M {
  const old = readManifest(dir);
  const fresh = base();
  const m = (old ? requireFamily(old, fresh.family, `updating ${join(dir, 'manifest.json')}`) : fresh) as M;
  // What the pack says of itself, its data and their licences is a fact of the code, not of the run
  // that wrote the folder first: a pack retrained on more data credits it.
  Object.assign(m, { description: fresh.description, license: fresh.license, dataset: fresh.dataset });
  change(m);
  writeManifest(dir, m);
  return m;
}

/** What a weights file's manifest entry says of the file itself. */
export type WeightsFileEntry = Pick<ComponentEntry, 'weights' | 'sha256' | 'bytes' | 'dtype' | 'parameters'>;

/** Writes a component's float32 tensors as <component>.safetensors (float16 on request); returns its entry's file fields. */
export async function writeWeightsFile(dir: string, component: AnyComponentName, tensors: Record<string, Tensor>, dtype: 'float32' | 'float16' = 'float32'): Promise<WeightsFileEntry> {
  const stored = Object.fromEntries(Object.entries(tensors).map(([k, t]) => [k, dtype === 'float16' ? toFloat16(t) : t]));
  const bytes = writeSafetensors(stored, { component, format: 'pt' });
  const weights = weightsFileName(component);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, weights), bytes);
  return { weights, sha256: await sha256Hex(bytes), bytes: bytes.byteLength, dtype, parameters: Object.values(tensors).reduce((s, t) => s + t.data.length, 0) };
}

export interface ExportOptions {
  dir: string;
  component: ComponentName;
  /** float32 weights keyed as graph inputs. */
  tensors: Record<string, Tensor>;
  architecture: ComponentEntry['architecture'];
  /** Storage dtype (default float32). */
  dtype?: 'float32' | 'float16';
  recipe?: ComponentEntry['recipe'];
  metrics?: ComponentEntry['metrics'];
  /** The manifest to start from when the folder has none yet. */
  base: () => DiffusionManifest;
  /** Pack-level fields this component decides (e.g. the latent scaling factor). */
  patch?: (m: DiffusionManifest) => void;
}

/** Exports one component of a diffusion pack (the GAN pack is written whole: models/train/gan-export.ts). */
export async function exportComponent(opts: ExportOptions): Promise<ComponentEntry> {
  // A folder of the other family is refused before its files are touched.
  const old = readManifest(opts.dir);
  if (old) requireFamily(old, 'latent-diffusion', `updating ${join(opts.dir, 'manifest.json')}`);
  const entry: ComponentEntry = {
    ...(await writeWeightsFile(opts.dir, opts.component, opts.tensors, opts.dtype)),
    architecture: opts.architecture,
    ...(opts.recipe ? { recipe: opts.recipe } : {}),
    ...(opts.metrics ? { metrics: opts.metrics } : {}),
  };
  updateManifest(opts.dir, opts.base, (m) => {
    const old = m.components[opts.component];
    // Metrics measured by an evaluation script outlive a re-export only if the weights did not change.
    if (old?.metrics && old.sha256 === entry.sha256 && !entry.metrics) entry.metrics = old.metrics;
    m.components[opts.component] = entry;
    opts.patch?.(m);
  });
  return entry;
}

/** Merges measured metrics into a component's entry (evaluation scripts call this). */
export function recordMetrics(dir: string, component: AnyComponentName, metrics: Record<string, number>): void {
  const m = readManifest(dir);
  const components = m?.components as Partial<Record<AnyComponentName, ComponentEntry>> | undefined;
  const entry = components && Object.hasOwn(components, component) ? components[component] : undefined;
  if (!m || !entry) throw new Error(`${join(dir, 'manifest.json')} has no component ${component}`);
  entry.metrics = { ...entry.metrics, ...metrics };
  writeManifest(dir, m);
}
