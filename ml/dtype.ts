// Element types the engine knows, with their ONNX codes and typed-array views.
export type DType = 'float32' | 'float16' | 'float64' | 'int64' | 'int32' | 'int8' | 'uint8' | 'bool';

export type TypedArray =
  | Float32Array
  | Float64Array
  | BigInt64Array
  | Int32Array
  | Int8Array
  | Uint8Array
  | Uint16Array;

export const ONNX_DTYPE: Record<DType, number> = {
  float32: 1,
  uint8: 2,
  int8: 3,
  int32: 6,
  int64: 7,
  bool: 9,
  float16: 10,
  float64: 11,
};

const BY_CODE = new Map<number, DType>(Object.entries(ONNX_DTYPE).map(([k, v]) => [v, k as DType]));

export function dtypeFromOnnx(code: number): DType {
  const d = BY_CODE.get(code);
  if (!d) throw new Error(`unsupported ONNX element type ${code}`);
  return d;
}

export const BYTES_PER_ELEMENT: Record<DType, number> = {
  float32: 4,
  float16: 2,
  float64: 8,
  int64: 8,
  int32: 4,
  int8: 1,
  uint8: 1,
  bool: 1,
};

export function allocate(dtype: DType, size: number): TypedArray {
  switch (dtype) {
    case 'float32':
      return new Float32Array(size);
    case 'float64':
      return new Float64Array(size);
    case 'float16':
      return new Uint16Array(size);
    case 'int64':
      return new BigInt64Array(size);
    case 'int32':
      return new Int32Array(size);
    case 'int8':
      return new Int8Array(size);
    case 'uint8':
    case 'bool':
      return new Uint8Array(size);
  }
}

/** View raw little-endian bytes as the typed array of a dtype (copies when unaligned). */
export function viewBytes(dtype: DType, bytes: Uint8Array): TypedArray {
  const bpe = BYTES_PER_ELEMENT[dtype];
  if (bytes.byteLength % bpe !== 0) throw new Error(`${bytes.byteLength} bytes is not a whole number of ${dtype} elements`);
  const aligned = bytes.byteOffset % bpe === 0 ? bytes : new Uint8Array(bytes);
  const n = bytes.byteLength / bpe;
  const { buffer, byteOffset } = aligned;
  switch (dtype) {
    case 'float32':
      return new Float32Array(buffer, byteOffset, n);
    case 'float64':
      return new Float64Array(buffer, byteOffset, n);
    case 'float16':
      return new Uint16Array(buffer, byteOffset, n);
    case 'int64':
      return new BigInt64Array(buffer, byteOffset, n);
    case 'int32':
      return new Int32Array(buffer, byteOffset, n);
    case 'int8':
      return new Int8Array(buffer, byteOffset, n);
    case 'uint8':
    case 'bool':
      return new Uint8Array(buffer, byteOffset, n);
  }
}

export const isFloat = (d: DType) => d === 'float32' || d === 'float16' || d === 'float64';
