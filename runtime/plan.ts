// Which nodes a run must execute: walk up from the requested outputs and stop at every node
// whose result is already cached, so nothing upstream of a hit runs. Pure.
import type { AnyNodeSpec } from './define-node.ts';
import type { GraphDoc } from './document/schema.ts';
import type { GraphIndex } from './graph.ts';
import { portsOf } from './node-ports.ts';
import type { Registry } from './registry.ts';

export interface RunPlan {
  /** In topological order. */
  toRun: string[];
  /** Nodes whose outputs come from the cache; their ancestors are not visited. */
  cached: string[];
}

export function planRun(index: GraphIndex, requested: readonly string[], isCached: (id: string) => boolean): RunPlan {
  const run = new Set<string>();
  const cached = new Set<string>();
  const stack = [...requested];
  while (stack.length) {
    const id = stack.pop()!;
    if (run.has(id) || cached.has(id)) continue;
    if (isCached(id)) {
      cached.add(id);
      continue;
    }
    run.add(id);
    for (const wires of index.incoming.get(id)?.values() ?? []) for (const w of wires) stack.push(w.source);
  }
  return { toRun: index.order.filter((id) => run.has(id)), cached: index.order.filter((id) => cached.has(id)) };
}

/** What a run produces when the caller names nothing: the output nodes, else every sink. */
export function defaultOutputs(doc: GraphDoc, index: GraphIndex, registry: Registry): string[] {
  const outputs = doc.nodes.filter((n) => registry.get(n.type)?.flags.output).map((n) => n.id);
  return outputs.length ? outputs : doc.nodes.filter((n) => index.consumers.get(n.id)?.size === 0).map((n) => n.id);
}

const PERSISTED_KINDS = new Set(['latent', 'embedding', 'lora']);

/** Outputs worth keeping across reloads: flagged expensive, or of a kind that is costly by
 * nature (optimized latents, embeddings, LoRA weights). */
export const shouldPersist = (def: AnyNodeSpec, params?: Readonly<Record<string, unknown>>) =>
  def.flags.expensive || Object.values(portsOf(def, params).outputs).some((p) => PERSISTED_KINDS.has(p.kind));
