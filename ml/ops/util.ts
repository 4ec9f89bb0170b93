// Shape helpers shared by operator definitions and gradient rules.
import { allocate, type DType } from '../dtype.ts';
import { sizeOf, stridesOf, type Tensor } from '../tensor.ts';

/** NumPy-style broadcast of two shapes, or null when they do not broadcast. */
export function broadcastShapes(a: readonly number[], b: readonly number[]): number[] | null {
  const r = Math.max(a.length, b.length);
  const out = new Array<number>(r);
  for (let i = 0; i < r; i++) {
    const da = a[a.length - r + i] ?? 1;
    const db = b[b.length - r + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) return null;
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/** For each output index of `outShape`, the flat index into a tensor of `shape` broadcast to it. */
export function broadcastIndex(shape: readonly number[], outShape: readonly number[]): Int32Array {
  const n = sizeOf(outShape);
  const idx = new Int32Array(n);
  const r = outShape.length;
  const st = stridesOf(shape);
  const eff = outShape.map((_, i) => {
    const j = i - (r - shape.length);
    return j < 0 || shape[j] === 1 ? 0 : st[j];
  });
  const ost = stridesOf(outShape);
  for (let k = 0; k < n; k++) {
    let rem = k;
    let off = 0;
    for (let i = 0; i < r; i++) {
      const c = Math.floor(rem / ost[i]);
      rem -= c * ost[i];
      off += c * eff[i];
    }
    idx[k] = off;
  }
  return idx;
}

type Scalar = number;

/** Evaluates an elementwise function over broadcast constant inputs (build-time folding). */
export function mapBroadcast(inputs: Tensor[], dtype: DType, f: (...xs: Scalar[]) => Scalar): Tensor {
  let shape: number[] = [];
  for (const t of inputs) {
    const s = broadcastShapes(shape, t.shape);
    if (!s) throw new Error(`shapes [${shape}] and [${t.shape}] do not broadcast`);
    shape = s;
  }
  const n = sizeOf(shape);
  const idx = inputs.map((t) => broadcastIndex(t.shape, shape));
  const out = allocate(dtype, n);
  const args = new Array<number>(inputs.length);
  for (let k = 0; k < n; k++) {
    for (let j = 0; j < inputs.length; j++) args[j] = Number(inputs[j].data[idx[j][k]]);
    const y = f(...args);
    if (out instanceof BigInt64Array) out[k] = BigInt(Math.trunc(y));
    else (out as Float32Array)[k] = y;
  }
  return { dtype, shape, data: out };
}

export const normAxis = (a: number, rank: number) => (a < 0 ? a + rank : a);
