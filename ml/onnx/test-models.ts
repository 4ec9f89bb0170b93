// Writes ONNX files the way exporters do (raw protos), for importer tests.
import { ONNX_DTYPE } from '../dtype.ts';
import type { Tensor } from '../tensor.ts';
import { onnx } from './proto.ts';

const AT = onnx.AttributeProto.AttributeType;
type AttrMsg = import('onnx-proto').onnx.IAttributeProto;
type NodeMsg = import('onnx-proto').onnx.INodeProto;

export function tensorMsg(name: string, t: Tensor) {
  const d = t.data;
  return { name, dataType: ONNX_DTYPE[t.dtype], dims: [...t.shape], rawData: new Uint8Array(d.buffer, d.byteOffset, d.byteLength) };
}

/** A tensor value declaration; string dims are symbolic (dim_param). */
export function valueMsg(name: string, dtype: keyof typeof ONNX_DTYPE, dims: (number | string)[]) {
  return {
    name,
    type: {
      tensorType: {
        elemType: ONNX_DTYPE[dtype],
        shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

export const attr = {
  int: (name: string, i: number): AttrMsg => ({ name, type: AT.INT, i }),
  ints: (name: string, ints: number[]): AttrMsg => ({ name, type: AT.INTS, ints }),
  float: (name: string, f: number): AttrMsg => ({ name, type: AT.FLOAT, f }),
  floats: (name: string, floats: number[]): AttrMsg => ({ name, type: AT.FLOATS, floats }),
  string: (name: string, s: string): AttrMsg => ({ name, type: AT.STRING, s: new TextEncoder().encode(s) }),
  tensor: (name: string, t: Tensor): AttrMsg => ({ name, type: AT.TENSOR, t: tensorMsg('', t) }),
};

export function nodeMsg(opType: string, input: string[], output: string[], attribute: AttrMsg[] = [], name = '', domain = ''): NodeMsg {
  return { opType, input, output, attribute, name, domain };
}

export interface ModelSpec {
  nodes: NodeMsg[];
  inputs: ReturnType<typeof valueMsg>[];
  outputs: ReturnType<typeof valueMsg>[];
  initializers?: [string, Tensor][];
  opset?: number;
  /** Default: the oldest IR version that allows the opset (8 up to opset 18). */
  irVersion?: number;
}

export function modelBytes(spec: ModelSpec): Uint8Array {
  const m = onnx.ModelProto.create({
    irVersion: spec.irVersion ?? ((spec.opset ?? 17) >= 21 ? 10 : (spec.opset ?? 17) >= 19 ? 9 : 8),
    producerName: 'test-exporter',
    opsetImport: [{ domain: '', version: spec.opset ?? 17 }],
    graph: {
      name: 'exported',
      node: spec.nodes,
      input: spec.inputs,
      output: spec.outputs,
      initializer: (spec.initializers ?? []).map(([n, t]) => tensorMsg(n, t)),
    },
  });
  return onnx.ModelProto.encode(m).finish();
}
