// A host tensor: a typed array with a dtype and a static shape.
import { allocate, type DType, type TypedArray } from './dtype.ts';

export interface Tensor {
  readonly dtype: DType;
  readonly shape: readonly number[];
  readonly data: TypedArray;
}

export const sizeOf = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

export function tensor(dtype: DType, shape: readonly number[], data?: TypedArray | ArrayLike<number> | ArrayLike<bigint>): Tensor {
  const n = sizeOf(shape);
  let arr: TypedArray;
  if (data === undefined) arr = allocate(dtype, n);
  else if (ArrayBuffer.isView(data) && !(data instanceof DataView) && data.constructor === allocate(dtype, 0).constructor)
    arr = data as TypedArray;
  else {
    arr = allocate(dtype, n);
    const src = data as ArrayLike<number | bigint>;
    if (arr instanceof BigInt64Array) for (let i = 0; i < src.length; i++) arr[i] = BigInt(src[i]);
    else for (let i = 0; i < src.length; i++) (arr as Float32Array)[i] = Number(src[i]);
  }
  if (arr.length !== n) throw new Error(`tensor of shape [${shape}] needs ${n} elements, got ${arr.length}`);
  return { dtype, shape: [...shape], data: arr };
}

export const f32 = (shape: readonly number[], data?: ArrayLike<number>) => tensor('float32', shape, data);
export const i64 = (shape: readonly number[], data?: ArrayLike<number> | ArrayLike<bigint>) => tensor('int64', shape, data);

/** Elements as JS numbers (int64 converted; fine for shapes and indices). */
export function toNumbers(t: Tensor): number[] {
  return Array.from(t.data as ArrayLike<number | bigint>, Number);
}

/** Strides of a row-major shape. */
export function stridesOf(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
}
