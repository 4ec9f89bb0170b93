// Reference implementations of the shape operators on host tensors. The builder folds small
// constant sub-graphs with them (exporters compute shapes with these ops on int64 tensors),
// and tests use them as the JS reference for what onnxruntime computes.
import { allocate, type DType, type TypedArray } from '../dtype.ts';
import { sizeOf, stridesOf, type Tensor } from '../tensor.ts';
import { broadcastIndex } from './util.ts';

/** A tensor whose element k is src.data[from[k]]: every pure data-movement op is one of these. */
export function take(src: Tensor, shape: readonly number[], from: ArrayLike<number>): Tensor {
  const out = allocate(src.dtype, sizeOf(shape)) as TypedArray & { [k: number]: number | bigint };
  const data = src.data as ArrayLike<number | bigint>;
  for (let k = 0; k < out.length; k++) out[k] = data[from[k]];
  return { dtype: src.dtype, shape: [...shape], data: out };
}

/** For each flat index of `shape`, f(coordinates) — the flat source index. */
function mapCoords(shape: readonly number[], f: (coords: number[]) => number): Int32Array {
  const n = sizeOf(shape);
  const out = new Int32Array(n);
  const c = new Array<number>(shape.length).fill(0);
  for (let k = 0; k < n; k++) {
    out[k] = f(c);
    for (let i = shape.length - 1; i >= 0; i--) {
      if (++c[i] < shape[i]) break;
      c[i] = 0;
    }
  }
  return out;
}

export function transposeShape(shape: readonly number[], perm: readonly number[]): number[] {
  return perm.map((p) => shape[p]);
}

export function transpose(t: Tensor, perm: readonly number[]): Tensor {
  const st = stridesOf(t.shape);
  const outShape = transposeShape(t.shape, perm);
  return take(t, outShape, mapCoords(outShape, (c) => c.reduce((acc, ci, i) => acc + ci * st[perm[i]], 0)));
}

/** One sliced axis, normalized as ONNX Slice does: first index, step, and number of elements taken. */
export interface SliceAxis {
  axis: number;
  start: number;
  step: number;
  count: number;
}

/**
 * Normalizes Slice parameters (negative indices count from the end; out-of-range values clamp,
 * including the INT64_MAX/INT64_MIN that exporters write for "to the end").
 * Returns an error message instead of throwing so that callers can name the node.
 */
export function sliceAxes(
  shape: readonly number[],
  starts: readonly number[],
  ends: readonly number[],
  axes: readonly number[] | undefined,
  steps: readonly number[] | undefined,
): SliceAxis[] | string {
  const r = shape.length;
  if (ends.length !== starts.length) return `starts has ${starts.length} entries but ends has ${ends.length}`;
  const ax = axes ?? starts.map((_, i) => i);
  const st = steps ?? starts.map(() => 1);
  if (ax.length !== starts.length) return `axes has ${ax.length} entries for ${starts.length} starts`;
  if (st.length !== starts.length) return `steps has ${st.length} entries for ${starts.length} starts`;
  const seen = new Set<number>();
  const out: SliceAxis[] = [];
  for (let i = 0; i < starts.length; i++) {
    const axis = ax[i] < 0 ? ax[i] + r : ax[i];
    if (axis < 0 || axis >= r) return `axis ${ax[i]} is out of range for rank ${r}`;
    if (seen.has(axis)) return `axis ${ax[i]} appears twice`;
    seen.add(axis);
    const step = st[i];
    if (step === 0 || !Number.isFinite(step)) return `step ${step} on axis ${ax[i]}`;
    const dim = shape[axis];
    let start = starts[i] < 0 ? starts[i] + dim : starts[i];
    let end = ends[i] < 0 ? ends[i] + dim : ends[i];
    if (step > 0) {
      start = clamp(start, 0, dim);
      end = clamp(end, 0, dim);
    } else {
      start = clamp(start, 0, dim - 1);
      end = clamp(end, -1, dim - 1);
    }
    const count = Math.max(0, Math.ceil((end - start) / step));
    out.push({ axis, start, step, count });
  }
  return out;
}

const clamp = (x: number, lo: number, hi: number) => Math.min(Math.max(x, lo), hi);

export function sliceShape(shape: readonly number[], axes: readonly SliceAxis[]): number[] {
  const out = [...shape];
  for (const a of axes) out[a.axis] = a.count;
  return out;
}

export function slice(t: Tensor, axes: readonly SliceAxis[]): Tensor {
  const st = stridesOf(t.shape);
  const start = t.shape.map(() => 0);
  const step = t.shape.map(() => 1);
  for (const a of axes) {
    start[a.axis] = a.start;
    step[a.axis] = a.step;
  }
  const outShape = sliceShape(t.shape, axes);
  return take(t, outShape, mapCoords(outShape, (c) => c.reduce((acc, ci, i) => acc + (start[i] + ci * step[i]) * st[i], 0)));
}

/** Gather along `axis`; indices must already be checked to lie in [-dim, dim). */
export function gather(t: Tensor, indices: Tensor, axis: number): Tensor {
  const idx = Array.from(indices.data as ArrayLike<number | bigint>, Number);
  const dim = t.shape[axis];
  const outer = sizeOf(t.shape.slice(0, axis));
  const inner = sizeOf(t.shape.slice(axis + 1));
  const outShape = [...t.shape.slice(0, axis), ...indices.shape, ...t.shape.slice(axis + 1)];
  const from = new Int32Array(sizeOf(outShape));
  let k = 0;
  for (let o = 0; o < outer; o++)
    for (const i of idx) {
      const base = (o * dim + (i < 0 ? i + dim : i)) * inner;
      for (let j = 0; j < inner; j++) from[k++] = base + j;
    }
  return take(t, outShape, from);
}

export function concat(ts: readonly Tensor[], axis: number): Tensor {
  const outer = sizeOf(ts[0].shape.slice(0, axis));
  const rows = ts.map((t) => sizeOf(t.shape.slice(axis)));
  const shape = [...ts[0].shape];
  shape[axis] = ts.reduce((a, t) => a + t.shape[axis], 0);
  const out = allocate(ts[0].dtype, sizeOf(shape)) as TypedArray & { [k: number]: number | bigint };
  let k = 0;
  for (let o = 0; o < outer; o++)
    ts.forEach((t, j) => {
      const d = t.data as ArrayLike<number | bigint>;
      for (let e = o * rows[j]; e < (o + 1) * rows[j]; e++) out[k++] = d[e];
    });
  return { dtype: ts[0].dtype, shape, data: out };
}

export function split(t: Tensor, axis: number, sizes: readonly number[]): Tensor[] {
  let at = 0;
  return sizes.map((n) => {
    const part = slice(t, [{ axis, start: at, step: 1, count: n }]);
    at += n;
    return part;
  });
}

export function expand(t: Tensor, shape: readonly number[]): Tensor {
  return take(t, shape, broadcastIndex(t.shape, shape));
}

export function tile(t: Tensor, repeats: readonly number[]): Tensor {
  const st = stridesOf(t.shape);
  const outShape = t.shape.map((d, i) => d * repeats[i]);
  return take(t, outShape, mapCoords(outShape, (c) => c.reduce((acc, ci, i) => acc + (ci % t.shape[i]) * st[i], 0)));
}

export function rangeCount(start: number, limit: number, delta: number): number {
  return Math.max(Math.ceil((limit - start) / delta), 0);
}

export function range(dtype: DType, start: number, limit: number, delta: number): Tensor {
  const n = rangeCount(start, limit, delta);
  const out = allocate(dtype, n);
  for (let i = 0; i < n; i++) {
    const v = start + i * delta;
    if (out instanceof BigInt64Array) out[i] = BigInt(v);
    else (out as Float32Array)[i] = v;
  }
  return { dtype, shape: [n], data: out };
}

/** GatherElements: out[c] = t[c with c[axis] replaced by indices[c]]. */
export function gatherElements(t: Tensor, indices: Tensor, axis: number): Tensor {
  const st = stridesOf(t.shape);
  const idx = indices.data as ArrayLike<number | bigint>;
  const dim = t.shape[axis];
  let k = 0;
  const from = mapCoords(indices.shape, (c) => {
    const i = Number(idx[k++]);
    return c.reduce((acc, ci, a) => acc + (a === axis ? (i < 0 ? i + dim : i) : ci) * st[a], 0);
  });
  return take(t, indices.shape, from);
}

/** ScatterND with reduction 'none' or 'add' (later writes win / duplicates accumulate, as ORT does). */
export function scatterND(data: Tensor, indices: Tensor, updates: Tensor, reduction: string): Tensor {
  const out = { dtype: data.dtype, shape: [...data.shape], data: data.data.slice() };
  const d = out.data as TypedArray & { [k: number]: number | bigint };
  const u = updates.data as ArrayLike<number | bigint>;
  const idx = Array.from(indices.data as ArrayLike<number | bigint>, Number);
  const k = indices.shape[indices.shape.length - 1];
  const st = stridesOf(data.shape);
  const inner = sizeOf(data.shape.slice(k));
  const n = sizeOf(indices.shape.slice(0, -1));
  for (let j = 0; j < n; j++) {
    let base = 0;
    for (let a = 0; a < k; a++) {
      const i = idx[j * k + a];
      base += (i < 0 ? i + data.shape[a] : i) * st[a];
    }
    for (let e = 0; e < inner; e++) {
      const v = u[j * inner + e];
      if (reduction === 'add') d[base + e] = (typeof v === 'bigint' ? (d[base + e] as bigint) + v : (d[base + e] as number) + v) as never;
      else d[base + e] = v;
    }
  }
  return out;
}
