// Reverse-mode differentiation of a graph into a larger graph of standard ONNX operators.
import { GraphBuilder, type Value } from '../builder.ts';
import { isFloat } from '../dtype.ts';
import { fmtShape, type Graph, type OpNode } from '../ir.ts';
import { tensor } from '../tensor.ts';
import { NON_DIFFERENTIABLE, RULES } from './rules.ts';
import { GradCtx } from './types.ts';

export interface GradOptions {
  /** The output whose sum is differentiated (a scalar loss, or any output: its sum is used). */
  loss: string;
  /** Inputs (or default-valued inputs) to differentiate with respect to. */
  wrt: readonly string[];
  /**
   * 'ones' differentiates sum(loss). 'input' adds an input `<loss>_seed` of the loss's shape
   * and differentiates sum(loss * seed): a vector-Jacobian product.
   */
  seed?: 'ones' | 'input';
  /** Name of each gradient output (default `<name>_grad`). */
  gradName?: (wrt: string) => string;
}

export class UnsupportedOpsError extends Error {
  constructor(readonly nodes: { op: string; name: string }[]) {
    super(
      `no gradient for ${nodes.length} node${nodes.length === 1 ? '' : 's'}:\n` +
        nodes.map((n) => `  ${n.op} (node "${n.name}")`).join('\n'),
    );
    this.name = 'UnsupportedOpsError';
  }
}

/** Returns a new graph that outputs the original outputs plus the gradient of sum(loss) for each name in wrt. */
export function grad(graph: Graph, opts: GradOptions): Graph {
  const { loss, wrt } = opts;
  const gradName = opts.gradName ?? ((w: string) => `${w}_grad`);
  if (!graph.outputs.includes(loss) && !graph.values.has(loss)) throw new Error(`grad: there is no output named "${loss}"`);
  const lossInfo = graph.values.get(loss)!;
  if (!isFloat(lossInfo.dtype)) throw new Error(`grad: loss "${loss}" is ${lossInfo.dtype}, not a float`);
  for (const w of wrt) {
    if (!graph.inputs.includes(w)) {
      if (graph.initializers.has(w))
        throw new Error(
          `grad: "${w}" is a constant initializer; make it an input (import with trainable: ["${w}"]) so its uses are kept`,
        );
      throw new Error(`grad: "${w}" is not an input of the graph`);
    }
    const info = graph.values.get(w)!;
    if (!isFloat(info.dtype)) throw new Error(`grad: "${w}" is ${info.dtype}; only float inputs have gradients`);
  }

  const b = GraphBuilder.from(graph);
  const producer = new Map<string, OpNode>();
  for (const n of graph.nodes) for (const o of n.outputs) producer.set(o, n);

  // Nodes that depend on a wrt value...
  const fromWrt = new Set<string>(wrt);
  for (const n of graph.nodes)
    if (!NON_DIFFERENTIABLE.has(n.op) && n.inputs.some((i) => fromWrt.has(i))) for (const o of n.outputs) fromWrt.add(o);
  // ...and that the loss depends on.
  const toLoss = new Set<string>([loss]);
  const onPath: OpNode[] = [];
  for (let k = graph.nodes.length - 1; k >= 0; k--) {
    const n = graph.nodes[k];
    if (!n.outputs.some((o) => toLoss.has(o))) continue;
    for (const i of n.inputs) if (i) toLoss.add(i);
    if (n.outputs.some((o) => fromWrt.has(o)) && !NON_DIFFERENTIABLE.has(n.op)) onPath.push(n);
  }
  const missing = onPath.filter((n) => !RULES[n.op]).map((n) => ({ op: n.op, name: n.name }));
  if (missing.length) throw new UnsupportedOpsError(missing);

  const contributions = new Map<string, Value[]>();
  const push = (name: string, g: Value) => {
    const list = contributions.get(name);
    if (list) list.push(g);
    else contributions.set(name, [g]);
  };
  const total = (name: string): Value | null => {
    const list = contributions.get(name);
    if (!list?.length) return null;
    let acc = list[0];
    for (let i = 1; i < list.length; i++) acc = b.op1('Add', [acc, list[i]]);
    contributions.set(name, [acc]);
    return acc;
  };

  b.scope('grad', () => {
    if (opts.seed === 'input') push(loss, b.input(`${loss}_seed`, lossInfo.dtype, lossInfo.shape));
    else
      push(
        loss,
        b.op1('ConstantOfShape', [b.ints(lossInfo.shape)], { value: tensor(lossInfo.dtype, [1], [1]) }, { noFold: true }),
      );

    for (const node of onPath) {
      const dys = node.outputs.map((o) => total(o));
      if (dys.every((d) => d === null)) continue;
      const wanted = node.inputs.map((i) => !!i && fromWrt.has(i) && isFloat(graph.values.get(i)!.dtype));
      if (!wanted.some(Boolean)) continue;
      const ctx = new GradCtx(b, node, wanted, dys);
      const dxs = b.scope(node.name.replace(/\//g, '.'), () => RULES[node.op](ctx));
      node.inputs.forEach((name, i) => {
        const dx = dxs[i];
        if (!wanted[i] || !dx) return;
        const want = graph.values.get(name)!.shape;
        if (dx.shape.length !== want.length || dx.shape.some((d, j) => d !== want[j]))
          throw new Error(
            `gradient rule of ${node.op} "${node.name}" gave ${fmtShape(dx.shape)} for input ${i} of shape ${fmtShape(want)}`,
          );
        push(name, dx);
      });
    }
  });

  for (const w of wrt) {
    const g = total(w);
    const info = graph.values.get(w)!;
    const out = g
      ? b.op1('Identity', [g], {}, { outputNames: [gradName(w)], noFold: true })
      : b.op1('ConstantOfShape', [b.ints(info.shape)], { value: tensor(info.dtype, [1], [0]) }, { outputNames: [gradName(w)], noFold: true });
    b.graph.outputs.push(out.name);
  }
  return b.build();
}
