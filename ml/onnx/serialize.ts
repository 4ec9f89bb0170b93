// Graph IR ⇄ ONNX ModelProto bytes. Decoding stops at raw data; import.ts rebuilds a checked graph from it.
import { BYTES_PER_ELEMENT, dtypeFromOnnx, ONNX_DTYPE, viewBytes, type DType } from '../dtype.ts';
import type { AttrValue, Graph } from '../ir.ts';
import { findOp } from '../ops/registry.ts';
import type { AttrType } from '../ops/types.ts';
import { sizeOf, type Tensor } from '../tensor.ts';
import { checkElementCount } from '../untrusted/elements.ts';
import { checkOnnxNesting } from './nesting.ts';
import { checkLocation, readExternalTensor, type ExternalDataReader } from './external-data.ts';
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
  const bytes = tensorBytes(g, opts);
  if (bytes > PROTOBUF_LIMIT)
    throw new Error(
      `graph "${g.name}" holds ${gb(bytes)} of tensors, more than one ONNX file can (2 GB, protobuf's limit): write it with external data (toOnnxParts)`,
    );
  return encodeModel(g, opts, tensorProto);
}

/** Protobuf refuses messages past 2 GiB, so no .onnx file holding its weights inline can be larger. */
export const PROTOBUF_LIMIT = 2 ** 31 - 1;

/**
 * Tensor bytes above which a model is written with external data: below protobuf's limit, with
 * room for the graph itself (nodes, names, shapes).
 */
export const EXTERNAL_DATA_ABOVE = 1.9e9;

const gb = (n: number) => `${(n / 1e9).toFixed(2)} GB`;

/** The graph's written initializers (those `toOnnxBytes` keeps). */
function writtenInitializers(g: Graph, opts: WriteOptions): [string, Tensor][] {
  // Folding leaves constants behind that nothing reads any more; runtimes warn about them.
  const used = new Set<string>([...g.inputs, ...g.outputs]);
  for (const n of g.nodes) for (const i of n.inputs) used.add(i);
  return [...g.initializers].filter(([k]) => used.has(k) && (opts.keepDefaults || !g.defaults?.has(k)));
}

/**
 * Bytes of tensor data the written model holds (initializers and tensor attributes), from shapes
 * and types alone, so the choice of external data is made before anything is encoded.
 */
export function tensorBytes(g: Graph, opts: WriteOptions = {}): number {
  const size = (t: Tensor) => sizeOf(t.shape) * BYTES_PER_ELEMENT[t.dtype];
  let total = 0;
  for (const [, t] of writtenInitializers(g, opts)) total += size(t);
  for (const n of g.nodes) for (const v of Object.values(n.attrs)) if (isTensor(v)) total += size(v);
  return total;
}

const isTensor = (v: AttrValue): v is Tensor => typeof v === 'object' && !Array.isArray(v);

/** Whether `g` must be written with external data: its tensors would not fit one file. */
export function needsExternalData(g: Graph, opts: WriteOptions = {}, limit = EXTERNAL_DATA_ABOVE): boolean {
  return tensorBytes(g, opts) > limit;
}

type TensorMsg = import('onnx-proto').onnx.ITensorProto;

function encodeModel(g: Graph, opts: WriteOptions, initializer: (name: string, t: Tensor) => TensorMsg): Uint8Array {
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
      initializer: writtenInitializers(g, opts).map(([k, t]) => initializer(k, t)),
      input: g.inputs.map((n) => valueInfoProto(g, n)),
      output: g.outputs.map((n) => valueInfoProto(g, n)),
    },
  });
  return onnx.ModelProto.encode(model).finish();
}

// ---- external data ----

export interface ExternalDataOptions {
  /** The side file's name, relative to the model's folder (e.g. "model.onnx.data"). */
  location: string;
  /** Initializers of at least this many bytes go to the side file (default 1024, as onnx's own writer). */
  threshold?: number;
  /**
   * Each tensor in the side file starts at a multiple of this many bytes (default 4096, a page,
   * so runtimes can memory-map the file); 1 packs them. The gaps are zeros.
   */
  align?: number;
}

export interface OnnxParts {
  /** The .onnx file: the graph and the initializers below the threshold. */
  model: Uint8Array;
  /** The side file as consecutive chunks (tensor bytes and zero padding), to be written in order. */
  data: Uint8Array[];
  /** Total bytes of `data`. */
  dataBytes: number;
}

/**
 * The model with its large initializers as ONNX external data (`data_location` EXTERNAL and
 * `location`, `offset`, `length` entries) in one side file. The side file is returned as chunks
 * viewing the tensors themselves, so a model past 2 GB is never copied into one buffer.
 * Tensor attributes stay inline, as onnx's writer leaves them by default.
 */
export function toOnnxParts(g: Graph, ext: ExternalDataOptions, opts: WriteOptions = {}): OnnxParts {
  const threshold = ext.threshold ?? 1024;
  const align = ext.align ?? 4096;
  if (!Number.isInteger(align) || align < 1) throw new Error(`external data alignment must be a whole number ≥ 1, got ${align}`);
  const zeros = new Uint8Array(align);
  const data: Uint8Array[] = [];
  let offset = 0;
  const model = encodeModel(g, opts, (name, t) => {
    const p = tensorProto(name, t);
    if (p.rawData.byteLength < threshold) return p;
    const pad = (align - (offset % align)) % align;
    if (pad) data.push(zeros.subarray(0, pad));
    offset += pad;
    data.push(p.rawData);
    const entry = { location: checkLocation(ext.location, name), offset, length: p.rawData.byteLength };
    offset += p.rawData.byteLength;
    return {
      name,
      dataType: p.dataType,
      dims: p.dims,
      dataLocation: onnx.TensorProto.DataLocation.EXTERNAL,
      externalData: Object.entries(entry).map(([key, value]) => ({ key, value: String(value) })),
    };
  });
  return { model, data, dataBytes: offset };
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
  /** Subgraph attributes (If's then_branch and else_branch, Loop's and Scan's body). */
  graphs?: Record<string, RawSubgraph>;
}

export interface RawSubgraph {
  /** The body's own inputs (Loop and Scan bodies; none for If branches). */
  inputs: string[];
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

/** Subgraphs (If branches, loop bodies) nest; a file nesting deeper than this is refused rather than recursed into. */
const MAX_SUBGRAPH_DEPTH = 16;

type NodeMsg = import('onnx-proto').onnx.INodeProto;

/** One node; GRAPH attributes (If's branches, loop bodies) become `graphs`, decoded with their own nodes and initializers. */
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
      inputs: (g.input ?? []).map((v) => v.name ?? ''),
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
