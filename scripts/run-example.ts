// Runs one example graph of graphs/ headless with the built-in packs, as `npm run graph` does, and
// turns image tensors into pixels: what the thumbnails and the README's example pictures share.
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import sharp from 'sharp';
import type { Tensor } from '../ml/tensor.ts';
import { registry } from '../nodes/registry.ts';
import { createRuntime, inProcessExecutor, parseGraphText, type GraphDoc, type NodeOutputs } from '../runtime/index.ts';
import { nodePlatform } from '../runtime/node/platform.ts';

export const GRAPHS = resolve(import.meta.dirname, '..', 'graphs');

export interface ExampleRun {
  doc: GraphDoc;
  outputs: Map<string, NodeOutputs>;
  seconds: number;
}

/**
 * Runs graphs/<id>.json. `pack` replaces every Model Loader's pack (a folder), to look at a pack
 * before it ships; the graph file is not changed.
 */
export async function runExample(id: string, opts: { pack?: string } = {}): Promise<ExampleRun> {
  const parsed = parseGraphText(await readFile(join(GRAPHS, `${id}.json`), 'utf8'));
  if (!parsed.ok) throw new Error(`${id}.json: ${parsed.errors[0].message}`);
  const doc = opts.pack
    ? { ...parsed.doc, nodes: parsed.doc.nodes.map((n) => (n.type === 'model-loader' ? { ...n, params: { ...n.params, pack: resolve(opts.pack!) } } : n)) }
    : parsed.doc;
  const runtime = createRuntime({ registry, executor: inProcessExecutor(registry, nodePlatform(GRAPHS)) });
  const started = performance.now();
  const result = await runtime.run(doc).done;
  if (result.stats.failed) throw new Error(`${id}: ${result.stats.failed} node(s) failed`);
  return { doc, outputs: result.outputs, seconds: (performance.now() - started) / 1000 };
}

/** The image batches [N, C, H, W] a node made, in port order. */
export function imagesOf(run: ExampleRun, nodeId: string): Tensor[] {
  return Object.values(run.outputs.get(nodeId) ?? {}).flatMap((v) => (v.kind === 'image' && v.tensor.shape.length === 4 ? [v.tensor] : []));
}

/** The picture that best shows what a graph makes: a Preview's grid, else any output picture. */
export function resultImage(run: ExampleRun): Tensor | undefined {
  const order = [...run.doc.nodes].sort((a, b) => Number(b.type === 'preview') - Number(a.type === 'preview'));
  for (const n of order) {
    const [first] = imagesOf(run, n.id);
    if (first) return first;
  }
  return undefined;
}

/** Image k of a batch in [0, 1] as 8-bit RGB rows (grey when it has one channel). */
export function rgbOf(t: Tensor, k = 0): { rgb: Buffer; width: number; height: number } {
  const [, c, h, w] = t.shape;
  const data = t.data as Float32Array;
  const base = k * c * h * w;
  const rgb = Buffer.alloc(w * h * 3);
  for (let p = 0; p < w * h; p++)
    for (let j = 0; j < 3; j++) rgb[p * 3 + j] = Math.round(Math.max(0, Math.min(1, data[base + (c >= 3 ? j : 0) * w * h + p])) * 255);
  return { rgb, width: w, height: h };
}

export function pngOf(img: { rgb: Buffer; width: number; height: number }) {
  return sharp(img.rgb, { raw: { width: img.width, height: img.height, channels: 3 } });
}
