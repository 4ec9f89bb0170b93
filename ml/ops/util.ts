// Shape helpers shared by operator definitions and gradient rules.
import { sizeOf, stridesOf } from '../tensor.ts';

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

export const normAxis = (a: number, rank: number) => (a < 0 ? a + rank : a);
