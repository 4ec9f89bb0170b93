// Test support for the AR transformer (imported only by *.test.ts): a tiny model (a 3×3 grid of
// 12 codes, a 4-token caption through a one-layer text encoder) with seeded random weights, a
// runner on a one-thread onnxruntime-node backend, and the tiny AR pack loaded as an ArModel.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Graph, i64, Rng, type Tensor, toOnnxBytes } from '../../ml/index.ts';
import { backend } from '../../ml/nn/testing.ts';
import { fileFetchBytes } from '../pack/write.ts';
import { type TinyArPackOptions, writeTinyArPack } from '../train/tiny-ar-pack.ts';
import { type ArModelConfig, arLogitsGraph, arModelConfigSchema } from './graphs.ts';
import { ArModel } from './model.ts';
import { type LoadedArPack, loadArPack } from './pack.ts';

export const tinyAr: ArModelConfig = arModelConfigSchema.parse({
  transformer: { codebookSize: 12, gridSize: 3, width: 16, layers: 2, heads: 2, mlpRatio: 2, prefixLength: 4, textDim: 8 },
  text: { vocabSize: 10, maxLength: 4, dim: 8, layers: 1, heads: 2, mlpRatio: 2 },
});

/** Every weight of the tiny model ('ar.*' and 'text.*'), seeded. */
export const tinyWeights = (seed = 1): Record<string, Tensor> => arLogitsGraph(tinyAr, 1, { seed }).p.initial();

/** Runs a graph once, returning the outputs asked for. */
export async function runGraph(graph: Graph, feeds: Record<string, Tensor>, fetch?: string[]): Promise<Record<string, Tensor>> {
  const s = await backend.create(toOnnxBytes(graph));
  try {
    return await s.run(feeds, fetch);
  } finally {
    await s.release();
  }
}

/** Random token grids int64 [n, gridSize²] and caption ids int64 [n, maxLength]. */
export function randomBatch(n: number, seed: number): { tokens: Tensor; ids: Tensor } {
  const rng = new Rng(seed);
  const N = tinyAr.transformer.gridSize ** 2;
  const L = tinyAr.text.maxLength;
  return {
    tokens: i64([n, N], Array.from({ length: n * N }, () => rng.int(tinyAr.transformer.codebookSize))),
    ids: i64([n, L], Array.from({ length: n * L }, () => rng.int(tinyAr.text.vocabSize))),
  };
}

export { backend };

/** The tiny AR pack (models/train/tiny-ar-pack.ts) written to a fresh folder and loaded: an ArModel on the one-thread backend. */
export async function tinyArModel(opts: TinyArPackOptions = {}): Promise<{ model: ArModel; dir: string; loaded: LoadedArPack }> {
  const dir = mkdtempSync(join(tmpdir(), 'tiny-ar-pack-'));
  await writeTinyArPack(dir, opts);
  const loaded = await loadArPack(fileFetchBytes(dir));
  return { model: ArModel.create({ loaded, backend }), dir, loaded };
}
