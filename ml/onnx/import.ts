// ONNX file -> checked Graph. The file's nodes are replayed through a GraphBuilder, so every
// shape is inferred and checked here, and the exporters' shape arithmetic (Shape -> Gather ->
// Unsqueeze -> Concat -> Reshape ...) folds to constants because every shape is static.
import { GraphBuilder, type Value } from '../builder.ts';
import { fmtShape, type Graph, type OpNode } from '../ir.ts';
import { adaptNode, isSupportedOp, MAX_OPSET, MIN_OPSET } from './adapt.ts';
import type { ExternalDataReader } from './external-data.ts';
import { decodeOnnx, type RawNode, type RawValueInfo } from './serialize.ts';
import { topoSort } from './toposort.ts';

export interface ImportOptions {
  /** Initializers to import as default-valued inputs, so gradients can be taken with respect to them. */
  trainable?: readonly string[];
  /** Values for symbolic input dimensions, by dimension name (e.g. { batch: 1 }). */
  dims?: Record<string, number>;
  /** Reads tensors the file keeps in external data files (see external-files.ts for Node). */
  external?: ExternalDataReader;
}

export { MAX_OPSET, MIN_OPSET };

export class UnsupportedOperatorsError extends Error {
  constructor(readonly nodes: { op: string; domain: string; name: string }[]) {
    super(
      `the model uses ${nodes.length} node${nodes.length === 1 ? '' : 's'} the engine does not support:\n` +
        nodes.map((n) => `  ${n.domain && n.domain !== 'ai.onnx' ? `${n.domain}.` : ''}${n.op} (node "${n.name}")`).join('\n'),
    );
    this.name = 'UnsupportedOperatorsError';
  }
}

export function importOnnx(bytes: Uint8Array, opts: ImportOptions = {}): Graph {
  // A plain Uint8Array view: protobufjs hands out Node Buffer slices for Buffer input, and
  // Buffer.slice shares memory, so copying unaligned raw tensor data would fail.
  const raw = decodeOnnx(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), { external: opts.external });
  if (raw.opset < MIN_OPSET || raw.opset > MAX_OPSET)
    throw new Error(
      `the model uses ONNX opset ${raw.opset}; the engine imports opsets ${MIN_OPSET}–${MAX_OPSET} (export with an opset_version in that range)`,
    );
  const unsupported = withSubgraphNodes(raw.nodes).filter((n) => (n.domain && n.domain !== 'ai.onnx') || !isSupportedOp(n.op));
  if (unsupported.length) throw new UnsupportedOperatorsError(unsupported.map(({ op, domain, name }) => ({ op, domain, name })));

  const trainable = new Set(opts.trainable ?? []);
  const notInit = [...trainable].filter((t) => !raw.initializers.has(t));
  if (notInit.length)
    throw new Error(
      `trainable: ${notInit.map((t) => `"${t}"`).join(', ')} ${notInit.length === 1 ? 'is not an initializer' : 'are not initializers'} of the model` +
        ` (initializers: ${[...raw.initializers.keys()].slice(0, 12).join(', ')}${raw.initializers.size > 12 ? ', ...' : ''})`,
    );

  const inputs = raw.inputs.filter((v) => !raw.initializers.has(v.name));
  const shapes = resolveDims(inputs, opts.dims ?? {});
  const order = topoSort(raw.nodes, new Set([...inputs.map((v) => v.name), ...raw.initializers.keys()]));

  // The imported graph is written at opset 17 whatever the file's opset: the version adapter
  // rewrites older and newer nodes into that form, and gradients need opset 16+ operators
  // (ScatterND with reduction).
  const b = new GraphBuilder(raw.name);
  for (const [name, t] of raw.initializers) {
    if (trainable.has(name)) b.defaultInput(name, t);
    else b.constant(t, name);
  }
  inputs.forEach((v, i) => b.input(v.name, v.dtype, shapes[i]));

  const taken = new Set<string>([...raw.initializers.keys(), ...raw.inputs.map((v) => v.name), ...raw.nodes.flatMap((n) => n.outputs)]);
  for (const n of order) replay(b, n, raw.opset, taken);

  for (const o of raw.outputs) {
    if (!b.graph.values.has(o.name)) throw new Error(`malformed model: output "${o.name}" is never defined`);
    const v = checkOutput(b.value(o.name), o, opts.dims ?? {});
    if (b.graph.initializers.has(o.name) && !b.graph.defaults?.has(o.name)) outputConstant(b.graph, o.name, taken);
    else b.output(v, o.name);
  }
  dropUnusedConstants(b.graph);
  return b.build();
}

/** Static input shapes; every symbolic dimension must be bound by `dims`. */
function resolveDims(inputs: readonly RawValueInfo[], dims: Record<string, number>): number[][] {
  const unbound = new Map<string, string[]>();
  const shapes = inputs.map((v) =>
    v.dims.map((d, i) => {
      if (typeof d === 'number') return d;
      const given = dims[d];
      if (given === undefined) {
        unbound.set(d, [...(unbound.get(d) ?? []), `"${v.name}" dim ${i}`]);
        return 0;
      }
      if (!Number.isInteger(given) || given < 0) throw new Error(`dims.${d} = ${given} is not a whole number`);
      return given;
    }),
  );
  if (unbound.size) {
    const names = [...unbound.keys()];
    throw new Error(
      `the model has symbolic input dimensions without a value: ` +
        names.map((n) => `${n} (${unbound.get(n)!.join(', ')})`).join('; ') +
        `; set them with importOnnx(bytes, { dims: { ${names.map((n) => `${JSON.stringify(n)}: 1`).join(', ')} } })`,
    );
  }
  return shapes;
}

/** Appends one file node (folded to constants when its inputs are constants). */
function replay(b: GraphBuilder, n: RawNode, opset: number, taken: Set<string>) {
  // An omitted output ('') still needs a name in the builder; trailing ones are simply dropped.
  const outs = [...n.outputs];
  while (outs.length && !outs[outs.length - 1]) outs.pop();
  const outputNames = outs.map((o, i) => o || unusedName(`${n.name}_unused${i}`, taken));
  adaptNode(b, n, opset, outputNames);
}

function unusedName(base: string, taken: Set<string>): string {
  let name = base;
  for (let i = 1; taken.has(name); i++) name = `${base}_${i}`;
  taken.add(name);
  return name;
}

/** The file's declared output type and static dimensions must match what the graph computes. */
function checkOutput(v: Value, declared: RawValueInfo, dims: Record<string, number>): Value {
  const want = declared.dims.map((d) => (typeof d === 'number' ? d : (dims[d] ?? null)));
  const wrongRank = declared.dims.length > 0 && want.length !== v.rank;
  if (v.dtype !== declared.dtype || wrongRank || want.some((d, i) => d !== null && d !== v.shape[i]))
    throw new Error(
      `output "${v.name}": the file declares ${declared.dtype} [${declared.dims.join(', ')}] but the graph computes ${v.dtype} ${fmtShape(v.shape)}`,
    );
  return v;
}

/**
 * A graph output that folded to a constant keeps its name: the constant moves to a new name
 * and an Identity node produces the output (a runtime output cannot be an initializer).
 */
function outputConstant(g: Graph, name: string, taken: Set<string>) {
  const moved = unusedName(`${name}_value`, taken);
  const info = g.values.get(name)!;
  g.initializers.set(moved, g.initializers.get(name)!);
  g.initializers.delete(name);
  g.values.set(moved, info);
  for (const n of g.nodes) n.inputs = n.inputs.map((i) => (i === name ? moved : i));
  const nodeNames = new Set(g.nodes.map((n) => n.name));
  let nodeName = `${name}_identity`;
  for (let i = 1; nodeNames.has(nodeName); i++) nodeName = `${name}_identity_${i}`;
  g.nodes.push({ op: 'Identity', name: nodeName, inputs: [moved], outputs: [name], attrs: {} });
  g.outputs.push(name);
}

/** Constants that only fed folded shape arithmetic are no longer referenced; drop them. */
function dropUnusedConstants(g: Graph) {
  const used = new Set<string>(g.outputs);
  for (const n of g.nodes) for (const i of n.inputs) used.add(i);
  for (const name of [...g.initializers.keys()])
    if (!used.has(name) && !g.defaults?.has(name)) {
      g.initializers.delete(name);
      g.values.delete(name);
    }
}

/** The nodes and, recursively, the nodes of their subgraphs (If branches). */
function withSubgraphNodes(nodes: readonly RawNode[]): RawNode[] {
  return nodes.flatMap((n) => [n, ...Object.values(n.graphs ?? {}).flatMap((g) => withSubgraphNodes(g.nodes))]);
}
