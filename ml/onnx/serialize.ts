// Graph IR ⇄ ONNX ModelProto bytes. Decoding stops at raw data; import.ts rebuilds a checked graph from it.
import { BYTES_PER_ELEMENT, dtypeFromOnnx, ONNX_DTYPE, viewBytes, type DType } from '../dtype.ts';
import type { AttrValue, Graph } from '../ir.ts';
import { findOp } from '../ops/registry.ts';
import type { AttrType } from '../ops/types.ts';
import type { Tensor } from '../tensor.ts';
import { checkElementCount } from '../untrusted/elements.ts';
import { checkOnnxNesting } from './nesting.ts';
import { readExternalTensor, type ExternalDataReader } from './external-data.ts';
import { onnx, toNum } from './proto.ts';

const AT = onnx.AttributeProto.AttributeType;
const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder();

function tensorProto(name: string, t: Tensor) {
  const d = t.data;
  const bytes = new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
  return { name, dataType: ONNX_DTYPE[t.dtype], dims: [...t.shape], rawData: bytes };
}

function attrType(op: string, name: string, v: AttrValue): AttrType {
  const known = findOp(op)?.attrs[name];
  if (known) return known;
  if (typeof v === 'string') return 'string';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'float';
  if (Array.isArray(v)) return typeof v[0] === 'string' ? 'strings' : v.every(Number.isInteger) ? 'ints' : 'floats';
  return 'tensor';
}

function attrProto(op: string, name: string, v: AttrValue) {
  const t = attrType(op, name, v);
  switch (t) {
    case 'int':
      return { name, type: AT.INT, i: v as number };
    case 'float':
      return { name, type: AT.FLOAT, f: v as number };
    case 'ints':
      return { name, type: AT.INTS, ints: v as number[] };
    case 'floats':
      return { name, type: AT.FLOATS, floats: v as number[] };
    case 'string':
      return { name, type: AT.STRING, s: utf8.encode(v as string) };
    case 'strings':
      return { name, type: AT.STRINGS, strings: (v as string[]).map((s) => utf8.encode(s)) };
    case 'tensor':
      return { name, type: AT.TENSOR, t: tensorProto('', v as Tensor) };
  }
}

function valueInfoProto(g: Graph, name: string) {
  const v = g.values.get(name);
  if (!v) throw new Error(`graph "${g.name}" declares "${name}" but has no shape for it`);
  return {
    name,
    type: { tensorType: { elemType: ONNX_DTYPE[v.dtype], shape: { dim: v.shape.map((d) => ({ dimValue: d })) } } },
  };
}

export interface WriteOptions {
  /**
   * Whether default-valued inputs keep their value in the file. ONNX allows it and Python's
   * onnxruntime honours feeds for them, but the JS bindings ignore such feeds, so the engine's
   * own sessions get plain inputs (and `withDefaults` feeds the values).
   */
  keepDefaults?: boolean;
}

export function toOnnxBytes(g: Graph, opts: WriteOptions = {}): Uint8Array {
  // Folding leaves constants behind that nothing reads any more; runtimes warn about them.
  const used = new Set<string>([...g.inputs, ...g.outputs]);
  for (const n of g.nodes) for (const i of n.inputs) used.add(i);
  const model = onnx.ModelProto.create({
    irVersion: 8,
    producerName: 'personalize-workbench',
    opsetImport: [{ domain: '', version: g.opset }],
    graph: {
      name: g.name,
      node: g.nodes.map((n) => ({
        opType: n.op,
        name: n.name,
        input: n.inputs,
        output: n.outputs,
        attribute: Object.entries(n.attrs).map(([k, v]) => attrProto(n.op, k, v)),
      })),
      initializer: [...g.initializers]
        .filter(([k]) => used.has(k) && (opts.keepDefaults || !g.defaults?.has(k)))
        .map(([k, t]) => tensorProto(k, t)),
      input: g.inputs.map((n) => valueInfoProto(g, n)),
      output: g.outputs.map((n) => valueInfoProto(g, n)),
    },
  });
  return onnx.ModelProto.encode(model).finish();
}

// ---- decoding ----

export interface RawValueInfo {
  name: string;
  dtype: DType;
  /** A number, or the symbolic name of a dynamic dimension. */
  dims: (number | string)[];
}

export interface RawNode {
  op: string;
  domain: string;
  name: string;
  inputs: string[];
  outputs: string[];
  attrs: Record<string, AttrValue>;
  /** Subgraph attributes (If's then_branch and else_branch). */
  graphs?: Record<string, RawSubgraph>;
}

export interface RawSubgraph {
  nodes: RawNode[];
  outputs: string[];
  initializers: Map<string, Tensor>;
}

export interface RawModel {
  opset: number;
  producer: string;
  name: string;
  inputs: RawValueInfo[];
  outputs: RawValueInfo[];
  nodes: RawNode[];
  initializers: Map<string, Tensor>;
}

type TensorMsg = import('onnx-proto').onnx.ITensorProto;

export function decodeTensor(tp: TensorMsg, external?: ExternalDataReader): Tensor {
  const dtype = dtypeFromOnnx(tp.dataType ?? 0);
  const shape = (tp.dims ?? []).map(toNum);
  const n = checkElementCount(shape, `tensor "${tp.name}"`);
  let data;
  if (tp.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL) {
    const bytes = readExternalTensor(tp.name ?? '', tp.externalData ?? [], n * BYTES_PER_ELEMENT[dtype], external);
    // A reader's own fresh buffer is kept; a view into a larger one (a file in memory) is copied.
    const own = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength;
    data = viewBytes(dtype, own ? bytes : bytes.slice());
  } else if (tp.rawData && tp.rawData.byteLength) {
    if (tp.rawData.byteLength !== n * BYTES_PER_ELEMENT[dtype])
      throw new Error(`tensor "${tp.name}": ${tp.rawData.byteLength} bytes of data for shape [${shape}] of ${dtype}`);
    data = viewBytes(dtype, tp.rawData).slice();
  } else {
    const src: ArrayLike<unknown> =
      (dtype === 'float32'
        ? tp.floatData
        : dtype === 'float64'
          ? tp.doubleData
          : dtype === 'int64'
            ? tp.int64Data
            : tp.int32Data) ?? []; // int32, int8, uint8, bool and float16 bits live in int32_data
    if ((src?.length ?? 0) !== n) throw new Error(`tensor "${tp.name}": ${src?.length ?? 0} values for shape [${shape}]`);
    if (dtype === 'int64') data = BigInt64Array.from(Array.from(src, (x) => BigInt(toNum(x))));
    else {
      data = viewBytes(dtype, new Uint8Array(n * BYTES_PER_ELEMENT[dtype]));
      for (let i = 0; i < n; i++) (data as Float32Array)[i] = toNum(src[i]);
    }
  }
  return { dtype, shape, data };
}

function decodeAttr(a: import('onnx-proto').onnx.IAttributeProto): AttrValue {
  switch (a.type) {
    case AT.INT:
      return toNum(a.i);
    case AT.FLOAT:
      return a.f ?? 0;
    case AT.INTS:
      return (a.ints ?? []).map(toNum);
    case AT.FLOATS:
      return [...(a.floats ?? [])];
    case AT.STRING:
      return fromUtf8.decode(a.s ?? new Uint8Array());
    case AT.STRINGS:
      return (a.strings ?? []).map((s) => fromUtf8.decode(s));
    case AT.TENSOR:
      if (!a.t) throw new Error(`attribute "${a.name}" is of type TENSOR but holds no tensor`);
      return decodeTensor(a.t);
    default:
      throw new Error(`attribute "${a.name}" has type ${AT[a.type ?? 0] ?? a.type}, which the engine does not read`);
  }
}

function decodeValueInfo(v: import('onnx-proto').onnx.IValueInfoProto): RawValueInfo {
  const tt = v.type?.tensorType;
  if (!tt) throw new Error(`value "${v.name}" is not a tensor`);
  const dims = (tt.shape?.dim ?? []).map((d, i) => {
    if (d.dimParam) return d.dimParam;
    if (d.dimValue === undefined || d.dimValue === null) return `${v.name}_dim${i}`;
    const n = toNum(d.dimValue);
    if (!Number.isSafeInteger(n) || n < 0) throw new Error(`value "${v.name}": dimension ${i} is ${n}, not a whole number ≥ 0`);
    return n;
  });
  return { name: v.name ?? '', dtype: dtypeFromOnnx(tt.elemType ?? 0), dims };
}

export interface DecodeOptions {
  /** Reads tensors kept in external files (weights beside the model). */
  external?: ExternalDataReader;
}

export function decodeOnnx(bytes: Uint8Array, opts: DecodeOptions = {}): RawModel {
  checkOnnxNesting(bytes);
  let m;
  try {
    m = onnx.ModelProto.decode(bytes);
  } catch (e) {
    // protobufjs says "index out of range: 254 + 1 > 254" for a field that runs past the end.
    const m = /index out of range: (\d+) \+ \d+ > \d+/.exec((e as Error).message);
    throw new Error(`not an ONNX model: ${m ? `the file is cut short or damaged (a field at byte ${m[1]} runs past its end)` : (e as Error).message}`);
  }
  const g = m.graph;
  if (!g) throw new Error('not an ONNX model: it has no graph');
  const opset = (m.opsetImport ?? []).find((o) => !o.domain || o.domain === 'ai.onnx');
  return {
    opset: opset ? toNum(opset.version) : 1,
    producer: `${m.producerName ?? ''} ${m.producerVersion ?? ''}`.trim(),
    name: g.name || 'model',
    inputs: (g.input ?? []).map(decodeValueInfo),
    outputs: (g.output ?? []).map(decodeValueInfo),
    nodes: (g.node ?? []).map((n, i) => decodeNode(n, i, opts.external, 0)),
    initializers: new Map((g.initializer ?? []).map((t) => [t.name ?? '', decodeTensor(t, opts.external)])),
  };
}

/** Subgraphs (If branches) nest; a file nesting deeper than this is refused rather than recursed into. */
const MAX_SUBGRAPH_DEPTH = 16;

type NodeMsg = import('onnx-proto').onnx.INodeProto;

/** One node; GRAPH attributes (If's branches) become `graphs`, decoded with their own nodes and initializers. */
function decodeNode(n: NodeMsg, i: number, external: ExternalDataReader | undefined, depth: number): RawNode {
  const attrs: Record<string, AttrValue> = {};
  const graphs: Record<string, RawSubgraph> = {};
  for (const a of n.attribute ?? []) {
    if (a.type !== AT.GRAPH) {
      attrs[a.name ?? ''] = decodeAttr(a);
      continue;
    }
    if (depth >= MAX_SUBGRAPH_DEPTH) throw new Error(`node "${n.name}": subgraphs nest more than ${MAX_SUBGRAPH_DEPTH} deep`);
    const g = a.g ?? {};
    graphs[a.name ?? ''] = {
      nodes: (g.node ?? []).map((m, j) => decodeNode(m, j, external, depth + 1)),
      outputs: (g.output ?? []).map((o) => o.name ?? ''),
      initializers: new Map((g.initializer ?? []).map((t) => [t.name ?? '', decodeTensor(t, external)])),
    };
  }
  return {
    op: n.opType ?? '',
    domain: n.domain ?? '',
    name: n.name || `${n.opType}_${i}`,
    inputs: [...(n.input ?? [])],
    outputs: [...(n.output ?? [])],
    attrs,
    ...(Object.keys(graphs).length ? { graphs } : {}),
  };
}
