// Test helpers for operator groups: run a built graph or a model file once on a backend, compare float arrays.
import type { Graph } from '../ir.ts';
import { toOnnxBytes } from '../onnx/serialize.ts';
import type { Backend } from '../session/session.ts';
import type { Tensor } from '../tensor.ts';

export const runGraph = (backend: Backend, g: Graph, feeds: Record<string, Tensor>) => runModel(backend, toOnnxBytes(g), feeds);

/** Runs an ONNX file's bytes once (a session made and released). */
export async function runModel(backend: Backend, bytes: Uint8Array, feeds: Record<string, Tensor>): Promise<Record<string, Tensor>> {
  const s = await backend.create(bytes);
  try {
    return await s.run(feeds);
  } finally {
    await s.release();
  }
}

/** Largest |a−b| / (atol + |b|) style error: 0 when equal; ≤ 1 means within tolerance. */
export function closeness(a: ArrayLike<number>, b: ArrayLike<number>, rtol = 1e-4, atol = 1e-5): number {
  if (a.length !== b.length) return Infinity;
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]) / (atol + rtol * Math.abs(b[i])));
  return worst;
}
