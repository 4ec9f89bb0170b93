// Builds graphs op by op, inferring shapes as it goes so that a wrong shape fails here, naming the node.
import type { DType } from './dtype.ts';
import { emptyGraph, type AttrValue, type Graph, type OpNode, type ValueInfo } from './ir.ts';
import { getOp } from './ops/registry.ts';
import { InferCtx } from './ops/types.ts';
import { sizeOf, tensor, type Tensor } from './tensor.ts';

/** Largest constant (in elements) that the builder evaluates at build time. */
const FOLD_LIMIT = 1 << 16;

export class Value {
  constructor(
    readonly b: GraphBuilder,
    readonly name: string,
    readonly dtype: DType,
    readonly shape: readonly number[],
  ) {}
  get rank() {
    return this.shape.length;
  }
  get size() {
    return sizeOf(this.shape);
  }
  /** The value when it is a constant known at build time. */
  get const(): Tensor | undefined {
    return this.b.constValue(this.name);
  }
}

export interface OpOptions {
  /** Number of outputs (default 1). */
  outputs?: number;
  /** Node name; made unique within the current scope. */
  name?: string;
  /** Exact output names (imports keep the names a file gave). */
  outputNames?: string[];
  /** Keep the node even when its inputs are constants. */
  noFold?: boolean;
}

export class GraphBuilder {
  readonly graph: Graph;
  private consts = new Map<string, Tensor>();
  private used = new Set<string>();
  private prefix: string[] = [];

  constructor(name = 'graph', opset?: number) {
    this.graph = emptyGraph(name);
    if (opset) this.graph.opset = opset;
  }

  /** A builder that continues an existing graph (copied, so the original stays as it was). */
  static from(g: Graph): GraphBuilder {
    const b = new GraphBuilder(g.name, g.opset);
    const c = b.graph;
    c.inputs.push(...g.inputs);
    c.outputs.push(...g.outputs);
    c.nodes.push(...g.nodes.map((n) => ({ ...n, inputs: [...n.inputs], outputs: [...n.outputs], attrs: { ...n.attrs } })));
    for (const [k, v] of g.values) c.values.set(k, { dtype: v.dtype, shape: [...v.shape] });
    for (const [k, t] of g.initializers) {
      c.initializers.set(k, t);
      if (!g.defaults?.has(k)) b.consts.set(k, t);
    }
    if (g.defaults) c.defaults = new Set(g.defaults);
    for (const k of c.values.keys()) b.used.add(k);
    for (const n of c.nodes) b.used.add(n.name);
    return b;
  }

  /** A new unique name under the current scope. */
  fresh(base: string): string {
    const stem = [...this.prefix, base].join('/');
    let name = stem;
    for (let i = 1; this.used.has(name) || this.graph.values.has(name); i++) name = `${stem}_${i}`;
    this.used.add(name);
    return name;
  }

  /** Runs fn with names prefixed by `name/`, like a module path. */
  scope<T>(name: string, fn: () => T): T {
    this.prefix.push(name);
    try {
      return fn();
    } finally {
      this.prefix.pop();
    }
  }

  constValue(name: string): Tensor | undefined {
    return this.consts.get(name);
  }

  value(name: string): Value {
    const v = this.graph.values.get(name);
    if (!v) throw new Error(`no value named "${name}" in graph "${this.graph.name}"`);
    return new Value(this, name, v.dtype, v.shape);
  }

  private declare(name: string, info: ValueInfo): Value {
    if (this.graph.values.has(name)) throw new Error(`value "${name}" is defined twice in graph "${this.graph.name}"`);
    this.used.add(name);
    this.graph.values.set(name, { dtype: info.dtype, shape: [...info.shape] });
    return new Value(this, name, info.dtype, info.shape);
  }

  input(name: string, dtype: DType, shape: readonly number[]): Value {
    for (const d of shape)
      if (!Number.isInteger(d) || d < 0) throw new Error(`input "${name}": dimension ${d} in [${shape}] is not a whole number`);
    const v = this.declare(name, { dtype, shape: [...shape] });
    this.graph.inputs.push(name);
    return v;
  }

  /** A constant tensor, stored as an initializer. */
  constant(t: Tensor, name?: string): Value {
    const n = name ?? this.fresh('const');
    const v = this.declare(n, { dtype: t.dtype, shape: [...t.shape] });
    this.graph.initializers.set(n, t);
    this.consts.set(n, t);
    return v;
  }

  /** An initializer that is also an input: a default a caller may override; never folded. */
  defaultInput(name: string, t: Tensor): Value {
    const v = this.input(name, t.dtype, t.shape);
    this.graph.initializers.set(name, t);
    (this.graph.defaults ??= new Set()).add(name);
    return v;
  }

  scalar(x: number, dtype: DType = 'float32'): Value {
    return this.constant(tensor(dtype, [], [x]));
  }

  ints(xs: readonly number[]): Value {
    return this.constant(tensor('int64', [xs.length], xs));
  }

  /** Appends one node; returns its outputs. Evaluates it at build time when every input is a small constant. */
  op(op: string, inputs: (Value | null | undefined)[], attrs: Record<string, AttrValue | undefined> = {}, opts: OpOptions = {}): Value[] {
    const def = getOp(op);
    const cleanAttrs: Record<string, AttrValue> = {};
    for (const [k, v] of Object.entries(attrs)) if (v !== undefined) cleanAttrs[k] = v;
    for (const v of inputs)
      if (v && v.b !== this) throw new Error(`${op}: input "${v.name}" belongs to another graph`);
    const n = opts.outputNames?.length ?? opts.outputs ?? 1;
    const name = opts.name && !this.used.has(opts.name) && !this.prefix.length ? opts.name : this.fresh(opts.name ?? op);
    this.used.add(name);
    const node: OpNode = {
      op,
      name,
      inputs: inputs.map((v) => v?.name ?? ''),
      outputs: opts.outputNames ? [...opts.outputNames] : Array.from({ length: n }, (_, i) => (n === 1 ? name : `${name}:${i}`)),
      attrs: cleanAttrs,
    };
    // Trim trailing omitted inputs, as ONNX writers do.
    while (node.inputs.length && node.inputs[node.inputs.length - 1] === '') node.inputs.pop();
    const infos = inputs.map((v) => (v ? { dtype: v.dtype, shape: [...v.shape] } : null));
    const consts = inputs.map((v) => (v ? (this.consts.get(v.name) ?? null) : null));
    const ctx = new InferCtx(node, infos, consts);
    const outInfos = def.infer(ctx);
    if (outInfos.length < n) ctx.fail(`produces ${outInfos.length} outputs, ${n} requested`);

    const foldable =
      !opts.noFold &&
      def.fold &&
      (def.foldAlways ||
        (inputs.every((v, i) => !v || (consts[i] && consts[i]!.data.length <= FOLD_LIMIT)) && inputs.some((v) => v)));
    if (foldable && outInfos.every((o) => sizeOf(o.shape) <= FOLD_LIMIT)) {
      const outs = def.fold!(consts, ctx);
      return node.outputs.map((o, i) => this.constant(outs[i], opts.outputNames ? o : this.fresh(o)));
    }
    this.graph.nodes.push(node);
    return node.outputs.map((o, i) => this.declare(o, outInfos[i]));
  }

  op1(op: string, inputs: (Value | null | undefined)[], attrs: Record<string, AttrValue | undefined> = {}, opts: OpOptions = {}): Value {
    return this.op(op, inputs, attrs, opts)[0];
  }

  /** Marks a value as a graph output, under `name` when given (through Identity if renamed). */
  output(v: Value, name?: string): Value {
    let out = v;
    if (name && name !== v.name) out = this.op1('Identity', [v], {}, { outputNames: [name], noFold: true });
    else if (this.consts.has(v.name) || this.graph.inputs.includes(v.name))
      out = this.op1('Identity', [v], {}, { outputNames: [this.fresh(`${v.name}_out`)], noFold: true });
    if (this.graph.outputs.includes(out.name)) throw new Error(`"${out.name}" is already an output`);
    this.graph.outputs.push(out.name);
    return out;
  }

  build(): Graph {
    return this.graph;
  }
}
