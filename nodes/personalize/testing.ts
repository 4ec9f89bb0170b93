// Test support for the model nodes (imported only by *.test.ts): a tiny random pack in a temporary
// folder, an in-process executor on the real Node platform, and helpers to run one node.
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { f32, Rng } from '../../ml/index.ts';
import { writeTinyPack, type TinyPackOptions } from '../../models/personalize/tiny-pack.ts';
import { inProcessExecutor, type JobHooks, type ModelRef, type NodeOutputs, type RgbaImage } from '../../runtime/index.ts';
import { nodePlatform } from '../../runtime/node/index.ts';
import { registry } from '../registry.ts';

export async function tinyPackDir(opts: TinyPackOptions = {}): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'tiny-pack-'));
  await writeTinyPack(dir, opts);
  return dir;
}

const exec = inProcessExecutor(registry, nodePlatform());

export interface Ran {
  outputs: NodeOutputs;
  previews: RgbaImage[];
  progress: [number, number][];
}

export async function runNode(nodeType: string, params: Record<string, unknown>, inputs: Record<string, unknown> = {}): Promise<Ran> {
  const previews: RgbaImage[] = [];
  const progress: [number, number][] = [];
  const hooks: JobHooks = { signal: new AbortController().signal, onStart() {}, onProgress: (v, m) => progress.push([v, m]), onPreview: (p) => previews.push(p) };
  const { outputs } = await exec.execute({ nodeId: 'n', nodeType, params, inputs: inputs as never }, hooks);
  return { outputs, previews, progress };
}

export const modelRef = (pack: string, loras: ModelRef['loras'] = []): ModelRef => ({ kind: 'model', pack, loras });

/** A smooth random image batch in [0, 1], [n, 3, size, size]. */
export function testImages(n: number, size = 64, seed = 1) {
  const rng = new Rng(seed);
  const data = new Float32Array(n * 3 * size * size);
  for (let k = 0; k < n; k++)
    for (let c = 0; c < 3; c++) {
      const [a, b] = [rng.next(), rng.next()];
      for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) data[((k * 3 + c) * size + y) * size + x] = 0.5 + 0.4 * Math.sin(a * 6 * (x / size) + b * 6 * (y / size));
    }
  return { kind: 'image' as const, tensor: f32([n, 3, size, size], data) };
}

/** The float32 tensor of an output (images, latents, embeddings). */
export function tensorOf(o: NodeOutputs, name: string): { shape: readonly number[]; data: Float32Array } {
  const v = o[name];
  if (!v || !('tensor' in v)) throw new Error(`${name} has no tensor`);
  return { shape: v.tensor.shape, data: v.tensor.data as Float32Array };
}
