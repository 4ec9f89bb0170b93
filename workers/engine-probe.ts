// A self-test of the engine, small enough to run on every page load: build y = x·w + w,
// differentiate loss = sum(y) with ml/grad, serialize to ONNX and run it on the given backend.
// The gradients have a closed form, so the caller can tell a working engine from a broken one.
// grad() differentiates the sum of a non-scalar output itself, so the graph needs no ReduceSum.
import { GraphBuilder } from '../ml/builder.ts';
import { grad } from '../ml/grad/grad.ts';
import { toOnnxBytes } from '../ml/onnx/serialize.ts';
import type { Backend } from '../ml/session/session.ts';
import { f32 } from '../ml/tensor.ts';

export interface EngineProbeResult {
  backend: string;
  /** Threads the backend was asked to use (wasm threads in the browser). */
  threads: number;
  loss: number;
  /** Gradients the engine computed, flattened row-major. */
  dx: number[];
  dw: number[];
  /** The same gradients in closed form. */
  expected: { loss: number; dx: number[]; dw: number[] };
  /** Largest absolute difference between computed and expected values. */
  maxError: number;
  ms: number;
}

const ROWS = 2;
const COLS = 3;
const X = [1, 2, 3, 4, 5, 6];
const W = [0.5, -1, 2];

/** The probe's graph: x [2,3] and w [3] (broadcast over rows) are inputs; outputs y, x_grad, w_grad of sum(y). */
export function probeGraph() {
  const b = new GraphBuilder('engine_probe');
  const x = b.input('x', 'float32', [ROWS, COLS]);
  const w = b.input('w', 'float32', [COLS]);
  b.output(b.op1('Add', [b.op1('Mul', [x, w]), w]), 'y');
  return grad(b.build(), { loss: 'y', wrt: ['x', 'w'] });
}

/** loss = Σ x·w + w; ∂loss/∂x[i,j] = w[j]; ∂loss/∂w[j] = Σ_i x[i,j] + ROWS. */
export function expectedGradients() {
  let loss = 0;
  const dx: number[] = [];
  const dw = W.map(() => ROWS);
  for (let i = 0; i < ROWS; i++)
    for (let j = 0; j < COLS; j++) {
      const xv = X[i * COLS + j];
      loss += xv * W[j] + W[j];
      dx.push(W[j]);
      dw[j] += xv;
    }
  return { loss, dx, dw };
}

export async function runEngineProbe(backend: Backend, threads: number): Promise<EngineProbeResult> {
  const t0 = performance.now();
  const session = await backend.create(toOnnxBytes(probeGraph()), { threads });
  try {
    const out = await session.run({ x: f32([ROWS, COLS], X), w: f32([COLS], W) });
    const nums = (name: string) => Array.from(out[name].data as Float32Array);
    const loss = nums('y').reduce((a, v) => a + v, 0);
    const dx = nums('x_grad');
    const dw = nums('w_grad');
    const expected = expectedGradients();
    const diffs = [loss - expected.loss, ...dx.map((v, i) => v - expected.dx[i]), ...dw.map((v, i) => v - expected.dw[i])];
    const maxError = Math.max(...diffs.map((d) => (Number.isNaN(d) ? Infinity : Math.abs(d))));
    return { backend: backend.name, threads, loss, dx, dw, expected, maxError, ms: performance.now() - t0 };
  } finally {
    await session.release();
  }
}
