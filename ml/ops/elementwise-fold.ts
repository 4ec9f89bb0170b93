// Build-time evaluation of elementwise operators on constant tensors, exact for every engine dtype:
// int64 is computed in BigInt (exporters use INT64_MAX as "to the end", which a double cannot hold),
// float16 is decoded from and encoded to its bit pattern, bool results are stored as 0/1 bytes.
import { allocate, type DType } from '../dtype.ts';
import { sizeOf, type Tensor } from '../tensor.ts';
import { broadcastIndex, broadcastShapes } from './util.ts';

export type Scalar = number | bigint | boolean;

/** An elementwise function; `big` is used when an input is int64 (all inputs then arrive as bigint). */
export interface Kernel {
  num: (...xs: number[]) => Scalar;
  big?: (...xs: bigint[]) => Scalar;
}

const INT64_MIN = -(1n << 63n);

export function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m ? NaN : s * Infinity;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}

/** Rounds to the nearest float16 (ties to even), as a bit pattern. */
export function floatToHalf(x: number): number {
  if (Number.isNaN(x)) return 0x7e00;
  const sign = x < 0 || Object.is(x, -0) ? 0x8000 : 0;
  const a = Math.abs(x);
  if (a >= 65520) return sign | 0x7c00; // rounds past the largest half (65504)
  if (a < 2 ** -14) return sign | roundEven(a / 2 ** -24); // subnormal (may round up to the smallest normal)
  let e = Math.floor(Math.log2(a));
  if (2 ** e > a) e--; // log2 can be off by one near powers of two
  let m = roundEven((a / 2 ** e - 1) * 1024);
  if (m === 1024) {
    m = 0;
    e++;
  }
  return sign | ((e + 15) << 10) | m;
}

function roundEven(x: number): number {
  const f = Math.floor(x);
  const d = x - f;
  return d > 0.5 || (d === 0.5 && Math.abs(f % 2) === 1) ? f + 1 : f;
}

/** Element i of t as a number (float16 decoded, int64 converted, bool as 0/1). */
export function readNumber(t: Tensor, i: number): number {
  const v = t.data[i];
  return t.dtype === 'float16' ? halfToFloat(v as number) : Number(v);
}

/** Writes v to element i of an array of `dtype`, converting as a C++ static_cast would (ints truncate). */
export function writeScalar(out: ReturnType<typeof allocate>, dtype: DType, i: number, v: Scalar): void {
  if (dtype === 'bool') (out as Uint8Array)[i] = v === true || (v !== false && Number(v) !== 0) ? 1 : 0;
  else if (dtype === 'int64') {
    const o = out as BigInt64Array;
    if (typeof v === 'bigint') o[i] = BigInt.asIntN(64, v);
    else {
      const n = Number(v);
      o[i] = Number.isFinite(n) ? BigInt.asIntN(64, BigInt(Math.trunc(n))) : INT64_MIN;
    }
  } else if (dtype === 'float16') (out as Uint16Array)[i] = floatToHalf(Number(v));
  else (out as Float32Array)[i] = Number(v); // typed arrays truncate and wrap for int types
}

/** Evaluates `k` over broadcast constant inputs (null entries are omitted optional inputs, skipped). */
export function foldElementwise(inputs: (Tensor | null)[], outDtype: DType, k: Kernel): Tensor {
  const ins = inputs.filter((t): t is Tensor => t !== null);
  let shape: number[] = [];
  for (const t of ins) {
    const s = broadcastShapes(shape, t.shape);
    if (!s) throw new Error(`shapes [${shape}] and [${t.shape}] do not broadcast`);
    shape = s;
  }
  const big = k.big && ins.some((t) => t.dtype === 'int64');
  const n = sizeOf(shape);
  const idx = ins.map((t) => broadcastIndex(t.shape, shape));
  const out = allocate(outDtype, n);
  for (let i = 0; i < n; i++) {
    const y = big
      ? k.big!(...ins.map((t, j) => (t.dtype === 'int64' ? (t.data as BigInt64Array)[idx[j][i]] : BigInt(readNumber(t, idx[j][i])))))
      : k.num(...ins.map((t, j) => readNumber(t, idx[j][i])));
    writeScalar(out, outDtype, i, y);
  }
  return { dtype: outDtype, shape, data: out };
}

/** ONNX Cast on a constant: floats to ints truncate, anything to bool tests for nonzero. */
export function foldCast(x: Tensor, to: DType): Tensor {
  const out = allocate(to, x.data.length);
  for (let i = 0; i < x.data.length; i++)
    writeScalar(out, to, i, x.dtype === 'int64' ? (x.data as BigInt64Array)[i] : readNumber(x, i));
  return { dtype: to, shape: [...x.shape], data: out };
}

/** Round half to even, as ONNX Round does. */
export const roundHalfEven = (x: number) => (Number.isFinite(x) ? roundEven(x) : x);
