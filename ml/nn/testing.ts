// Test support for the nn and train tests (imported only by *.test.ts): a one-thread Node backend,
// a runner and a finite-difference check that reports failures as text.
import * as ort from 'onnxruntime-node';
import type { GraphBuilder } from '../builder.ts';
import { checkGradients, describeFailures } from '../grad/check.ts';
import { toOnnxBytes } from '../onnx/serialize.ts';
import { ortBackend, type OrtLike } from '../session/session.ts';
import type { Tensor } from '../tensor.ts';

/** onnxruntime-node pinned to one intra-op thread: the machine is shared, and runs stay reproducible. */
export const backend = ortBackend('onnxruntime-node', ort as unknown as OrtLike, { threads: 1 });

/** Runs a built graph once and returns every output. */
export async function run(b: GraphBuilder, feeds: Record<string, Tensor>): Promise<Record<string, Tensor>> {
  const s = await backend.create(toOnnxBytes(b.build()));
  try {
    return await s.run(feeds);
  } finally {
    await s.release();
  }
}

/** Finite-difference check of every name in wrt; returns the failures as text ('' when all pass). */
export async function gradFailures(
  b: GraphBuilder,
  feeds: Record<string, Tensor>,
  wrt: readonly string[],
  opts: { output?: string; eps?: number; rtol?: number; atol?: number; directions?: number } = {},
): Promise<string> {
  const r = await checkGradients(b.build(), { wrt, feeds, backend, ...opts });
  if (r.length !== wrt.length * (opts.directions ?? 3)) return `expected ${wrt.length * (opts.directions ?? 3)} checks, got ${r.length}`;
  return describeFailures(r);
}
