// The ONNX protobuf classes (onnx-proto is CommonJS; this is its one import site).
import onnxProto from 'onnx-proto';

export const onnx = onnxProto.onnx;
export type ModelProto = InstanceType<typeof onnx.ModelProto>;

/** protobufjs hands int64 fields back as Long objects or numbers. */
export function toNum(x: unknown): number {
  if (typeof x === 'number') return x;
  if (typeof x === 'bigint') return Number(x);
  if (x && typeof x === 'object' && 'toNumber' in x) return (x as { toNumber(): number }).toNumber();
  if (typeof x === 'string') return Number(x);
  throw new Error(`not an integer: ${String(x)}`);
}
