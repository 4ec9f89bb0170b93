// Where a trainer that builds on the GAN (the encoder) gets the generator: the emoji-gan pack's
// generator.safetensors when the pack exists, or a GAN training checkpoint, whose shipped weights
// are the optimizer state's EMA entries ('ema/<name>' for every g.* weight and for w_avg) and
// whose config is in its settings. Either way: the config, float32 weights named as the graphs
// name them, and a fingerprint that ties a trained encoder to the generator it learned.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readSafetensors, type Tensor } from '../../ml/index.ts';
import { type GanConfig, checkGanConfig, ganConfigSchema } from '../gan/config.ts';
import { generatorGraph, W_AVG } from '../gan/graphs.ts';
import { toFloat32 } from '../pack/half.ts';
import { loadCheckpoint } from './checkpoint.ts';

export interface GanSource {
  config: GanConfig;
  /** 'g.*' weights and 'g.mapping.w_avg', float32. */
  weights: Record<string, Tensor>;
  /** What it is, for logs and the recipe ('emoji-gan pack, generator.safetensors sha256 …'). */
  description: string;
  /** sha256 of the weights as read: a resumed run must find the same generator. */
  fingerprint: string;
}

/** The pack's generator component (the GAN pack's kind for it). */
const GENERATOR_KIND = 'stylegan2-v1';

/** Every weight a generator of this config needs, name → shape (w_avg included). */
function generatorShapes(c: GanConfig): Record<string, number[]> {
  const { p } = generatorGraph(c, 1, { space: 'w+' });
  const out: Record<string, number[]> = Object.fromEntries(p.names().map((n) => [n, [...p.get(n).init.shape]]));
  out[W_AVG] = [c.wDim];
  return out;
}

function fingerprint(weights: Record<string, Tensor>): string {
  const h = createHash('sha256');
  for (const k of Object.keys(weights).sort()) {
    h.update(k);
    const d = weights[k].data as Float32Array;
    h.update(new Uint8Array(d.buffer, d.byteOffset, d.byteLength));
  }
  return h.digest('hex');
}

function checked(c: GanConfig, get: (name: string) => Tensor | undefined, where: string): Record<string, Tensor> {
  const out: Record<string, Tensor> = {};
  for (const [n, shape] of Object.entries(generatorShapes(c))) {
    const t = get(n);
    if (!t) throw new Error(`${where} has no generator weight "${n}"`);
    const size = shape.reduce((a, b) => a * b, 1);
    if (t.data.length !== size) throw new Error(`${where}: "${n}" has ${t.data.length} values, the generator needs [${shape}]`);
    const f = toFloat32(t);
    out[n] = { dtype: 'float32', shape, data: f.data };
  }
  return out;
}

/** A GAN training checkpoint folder (models/train/gan.train.ts): the EMA generator it would ship. */
export function ganFromCheckpoint(dir: string): GanSource {
  const ck = loadCheckpoint(dir);
  const config = ganConfigSchema.parse(ck.state.settings.config);
  checkGanConfig(config);
  const weights = checked(config, (n) => ck.optimizer[`ema/${n}`], `the GAN checkpoint in ${dir}`);
  return { config, weights, description: `GAN checkpoint at step ${ck.state.step} (EMA generator)`, fingerprint: fingerprint(weights) };
}

/** True when `dir` holds a pack manifest that lists a generator. */
export function hasGanPack(dir: string): boolean {
  const file = join(dir, 'manifest.json');
  if (!existsSync(file)) return false;
  const m = JSON.parse(readFileSync(file, 'utf8')) as { components?: Record<string, unknown> };
  return !!m.components?.generator;
}

/**
 * The generator of a GAN pack folder. Reads only what the encoder needs (the generator entry and
 * its file, sha256 checked); the pack loader proper validates the whole manifest.
 */
export function ganFromPack(dir: string): GanSource {
  const m = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as { components?: Record<string, { weights: string; sha256: string; architecture: { kind: string } & Record<string, unknown> }> };
  const entry = m.components?.generator;
  if (!entry) throw new Error(`the pack in ${dir} has no generator`);
  const { kind, ...arch } = entry.architecture;
  if (kind !== GENERATOR_KIND) throw new Error(`the pack in ${dir}: generator kind "${kind}" is not ${GENERATOR_KIND}`);
  const config = ganConfigSchema.parse(arch);
  checkGanConfig(config);
  if (!/^[A-Za-z0-9._-]+$/.test(entry.weights)) throw new Error(`the pack in ${dir}: generator weights "${entry.weights}" is not a plain file name`);
  const bytes = new Uint8Array(readFileSync(join(dir, entry.weights)));
  const sha = createHash('sha256').update(bytes).digest('hex');
  if (sha !== entry.sha256) throw new Error(`the pack in ${dir}: ${entry.weights} does not match its sha256 (corrupt or replaced)`);
  const { tensors } = readSafetensors(bytes);
  const weights = checked(config, (n) => (Object.hasOwn(tensors, n) ? tensors[n] : undefined), `${join(dir, entry.weights)}`);
  return { config, weights, description: `GAN pack ${entry.weights} (sha256 ${sha.slice(0, 12)})`, fingerprint: sha };
}
