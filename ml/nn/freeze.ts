// Weights written into a graph as constants: a sampler or a frozen part of a training graph runs
// with weights that never change, so the runtime can pre-pack them once instead of reading them as
// feeds on every run (and a gradient graph sees them as constants, not as inputs to differentiate).
import type { Graph } from '../ir.ts';
import type { Tensor } from '../tensor.ts';

/**
 * The graph with the given weights written in as initializers (and inputs no node reads dropped).
 * Inputs not among `weights` stay inputs. A weight of another shape than the graph declares is an
 * error naming it.
 */
export function freezeWeights(graph: Graph, weights: Record<string, Tensor>): Graph {
  const used = new Set(graph.nodes.flatMap((n) => n.inputs));
  for (const o of graph.outputs) used.add(o);
  const initializers = new Map(graph.initializers);
  const inputs: string[] = [];
  for (const i of graph.inputs) {
    if (!used.has(i)) continue;
    if (Object.hasOwn(weights, i)) {
      const t = weights[i];
      const want = graph.values.get(i)!.shape;
      if (t.shape.length !== want.length || t.shape.some((d, k) => d !== want[k])) throw new Error(`weight "${i}" is [${t.shape}], the graph "${graph.name}" needs [${want}]`);
      initializers.set(i, t);
    } else inputs.push(i);
  }
  return { ...graph, inputs, initializers };
}
