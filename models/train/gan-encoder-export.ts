// Writes the trained GAN encoder into a pack folder as encoder.safetensors and returns its
// manifest entry (file, sha256, size, dtype, parameter count, architecture, recipe, metrics).
// It does not edit the manifest: the GAN pack's manifest is written by the pack's own export,
// which adds this entry under its encoder component.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Tensor, writeSafetensors } from '../../ml/index.ts';
import { ENCODER_PREFIX, ganEncoderArchitecture, type GanEncoderConfig } from '../gan/encoder.ts';
import { toFloat16 } from '../pack/half.ts';
import { sha256Hex } from '../pack/load.ts';
import type { ComponentEntry, Recipe } from '../pack/manifest.ts';

export const ENCODER_WEIGHTS_FILE = 'encoder.safetensors';

export interface EncoderExport {
  dir: string;
  config: GanEncoderConfig;
  /** The 'encoder.*' weights, float32. */
  weights: Record<string, Tensor>;
  recipe: Recipe;
  metrics?: Record<string, number>;
  dtype?: 'float32' | 'float16';
}

export async function exportGanEncoder(o: EncoderExport): Promise<ComponentEntry> {
  // float16 by default: the encoder gives starting codes that a few passes or an optimization
  // refine, so half precision costs nothing visible and keeps the pack within its 15 MB.
  const dtype = o.dtype ?? 'float16';
  const names = Object.keys(o.weights).sort();
  const bad = names.find((n) => !n.startsWith(`${ENCODER_PREFIX}.`));
  if (bad) throw new Error(`GAN encoder export: "${bad}" is not an encoder weight (${ENCODER_PREFIX}.*)`);
  const stored = Object.fromEntries(names.map((n) => [n, dtype === 'float16' ? toFloat16(o.weights[n]) : o.weights[n]]));
  const bytes = writeSafetensors(stored, { component: 'encoder', format: 'pt' });
  mkdirSync(o.dir, { recursive: true });
  writeFileSync(join(o.dir, ENCODER_WEIGHTS_FILE), bytes);
  return {
    weights: ENCODER_WEIGHTS_FILE,
    sha256: await sha256Hex(bytes),
    bytes: bytes.byteLength,
    dtype,
    parameters: names.reduce((s, n) => s + o.weights[n].data.length, 0),
    architecture: ganEncoderArchitecture(o.config),
    recipe: o.recipe,
    ...(o.metrics ? { metrics: o.metrics } : {}),
  };
}
