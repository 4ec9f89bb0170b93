// Writing a pack in Node: a component's weights go to <file>.safetensors and its entry (sha256,
// size, parameter count, architecture, recipe, metrics) into manifest.json. Trainers of different
// components share one manifest, so each write reads the current file, changes only its part,
// validates the whole and replaces the file atomically.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Tensor, writeSafetensors } from '../../ml/index.ts';
import { toFloat16 } from './half.ts';
import { type FetchBytes, parseManifest, sha256Hex } from './load.ts';
import { type ComponentEntry, type ComponentName, type Manifest, manifestSchema } from './manifest.ts';

/** The built-in pack's folder in the repository. */
export const EMOJI_PACK_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'public', 'models', 'emoji-diffusion');

/** File names on disk are kebab-case: textEncoder → text-encoder.safetensors. */
export const weightsFileName = (c: ComponentName) => `${c.replace(/[A-Z]/g, (m) => `-${m.toLowerCase()}`)}.safetensors`;

/** Pack files from a folder on disk (Node's way to feed loadPack). */
export function fileFetchBytes(dir: string): FetchBytes {
  return async (file) => new Uint8Array(readFileSync(join(dir, file)));
}

export function readManifest(dir: string): Manifest | null {
  const file = join(dir, 'manifest.json');
  return existsSync(file) ? parseManifest(new Uint8Array(readFileSync(file))) : null;
}

export function writeManifest(dir: string, m: Manifest): void {
  const valid = manifestSchema.parse(m);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'manifest.json');
  writeFileSync(`${file}.tmp`, `${JSON.stringify(valid, null, 2)}\n`);
  renameSync(`${file}.tmp`, file);
}

/** Reads the manifest (or starts from `base`), applies `change`, validates and writes it. */
export function updateManifest(dir: string, base: () => Manifest, change: (m: Manifest) => void): Manifest {
  const m = readManifest(dir) ?? base();
  change(m);
  writeManifest(dir, m);
  return m;
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
  base: () => Manifest;
  /** Pack-level fields this component decides (e.g. the latent scaling factor). */
  patch?: (m: Manifest) => void;
}

export async function exportComponent(opts: ExportOptions): Promise<ComponentEntry> {
  const dtype = opts.dtype ?? 'float32';
  const stored = Object.fromEntries(Object.entries(opts.tensors).map(([k, t]) => [k, dtype === 'float16' ? toFloat16(t) : t]));
  const bytes = writeSafetensors(stored, { component: opts.component, format: 'pt' });
  const weights = weightsFileName(opts.component);
  mkdirSync(opts.dir, { recursive: true });
  writeFileSync(join(opts.dir, weights), bytes);
  const entry: ComponentEntry = {
    weights,
    sha256: await sha256Hex(bytes),
    bytes: bytes.byteLength,
    dtype,
    parameters: Object.values(opts.tensors).reduce((s, t) => s + t.data.length, 0),
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
export function recordMetrics(dir: string, component: ComponentName, metrics: Record<string, number>): void {
  const m = readManifest(dir);
  if (!m?.components[component]) throw new Error(`${join(dir, 'manifest.json')} has no component ${component}`);
  m.components[component]!.metrics = { ...m.components[component]!.metrics, ...metrics };
  writeManifest(dir, m);
}
