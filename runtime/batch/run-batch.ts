// Run the graphs of a batch on one runtime, a few at a time (the queue spreads their nodes over
// the workers), keeping one line of state per graph from the run's events. A failed graph fails
// alone; the batch goes on and reports it. Cancel the whole batch, or one graph.
import type { GraphDoc } from '../document/schema.ts';
import { formatError } from '../document/errors.ts';
import { indexGraph } from '../graph.ts';
import { portsOf } from '../node-ports.ts';
import { defaultOutputs } from '../plan.ts';
import type { Registry } from '../registry.ts';
import type { RunHandle, RunResult, Runtime } from '../scheduler.ts';
import { validateGraph } from '../validate.ts';
import { applyVariant, type Variant } from './variants.ts';

export type GraphStatus = 'waiting' | 'running' | 'done' | 'failed' | 'cancelled' | 'invalid';

export interface GraphState {
  variant: Variant;
  status: GraphStatus;
  /** Nodes this run must execute, and how many of them ended (done or failed). */
  toRun: number;
  ended: number;
  cached: number;
  /** The node that reported progress last, with its fraction. */
  current?: { nodeId: string; fraction?: number };
  ms?: number;
  /** Why it failed: node errors (`node: message`) or validation errors. */
  errors: string[];
  result?: RunResult;
}

export interface BatchOptions {
  /** Graphs in flight at once (their ready nodes all go to the queue). */
  parallel?: number;
  onUpdate?: (state: GraphState) => void;
}

export interface BatchHandle {
  states: readonly GraphState[];
  done: Promise<GraphState[]>;
  cancel(): void;
  cancelRun(index: number): void;
}

/** Output nodes, plus every node with a metrics or scalar output: the batch reports all numbers. */
export function batchOutputs(doc: GraphDoc, registry: Registry): string[] {
  const index = indexGraph(doc);
  const wanted = new Set(defaultOutputs(doc, index, registry));
  for (const n of doc.nodes) {
    const def = registry.get(n.type);
    if (def && Object.values(portsOf(def, n.params).outputs).some((p) => p.kind === 'metrics' || p.kind === 'scalar')) wanted.add(n.id);
  }
  return doc.nodes.map((n) => n.id).filter((id) => wanted.has(id));
}

export function runBatch(runtime: Runtime, registry: Registry, doc: GraphDoc, variants: readonly Variant[], options: BatchOptions = {}): BatchHandle {
  const parallel = Math.max(1, options.parallel ?? 8);
  const update = (s: GraphState) => options.onUpdate?.(s);
  const states: GraphState[] = variants.map((variant) => ({ variant, status: 'waiting', toRun: 0, ended: 0, cached: 0, errors: [] }));
  const handles = new Map<number, RunHandle>();
  let cancelled = false;
  const cancelledOne = new Set<number>();

  async function runOne(state: GraphState) {
    const i = state.variant.index;
    if (cancelled || cancelledOne.has(i)) {
      state.status = 'cancelled';
      return update(state);
    }
    const { doc: variantDoc, errors: setErrors } = applyVariant(doc, state.variant);
    const errors = [...setErrors, ...validateGraph(variantDoc, registry)];
    if (errors.length) {
      state.status = 'invalid';
      state.errors = errors.map(formatError);
      return update(state);
    }
    state.status = 'running';
    update(state);
    const t0 = performance.now();
    const handle = runtime.run(variantDoc, {
      outputs: batchOutputs(variantDoc, registry),
      onEvent(e) {
        switch (e.type) {
          case 'run-started':
            state.toRun = e.toRun.length;
            state.cached = e.cached.length;
            break;
          case 'node-running':
            state.current = { nodeId: e.nodeId, fraction: e.progress && e.progress.max > 0 ? e.progress.value / e.progress.max : undefined };
            break;
          case 'node-done':
            state.ended++;
            break;
          case 'node-error':
            state.ended++;
            if (e.reason !== 'blocked' && e.reason !== 'cancelled') state.errors.push(`${e.nodeId}: ${e.message}`);
            break;
          default:
            return;
        }
        update(state);
      },
    });
    handles.set(i, handle);
    const result = await handle.done;
    handles.delete(i);
    state.result = result;
    state.ms = performance.now() - t0;
    state.current = undefined;
    const produced = result.requested.every((id) => result.outputs.has(id));
    state.status = result.status === 'cancelled' || cancelledOne.has(i) ? 'cancelled' : produced && !result.nodeErrors.size ? 'done' : 'failed';
    update(state);
  }

  const done = (async () => {
    let next = 0;
    const lane = async () => {
      while (next < states.length) await runOne(states[next++]);
    };
    await Promise.all(Array.from({ length: Math.min(parallel, states.length) }, lane));
    return states;
  })();

  return {
    states,
    done,
    cancel() {
      cancelled = true;
      for (const h of handles.values()) h.cancel();
    },
    cancelRun(index) {
      cancelledOne.add(index);
      handles.get(index)?.cancel();
    },
  };
}
