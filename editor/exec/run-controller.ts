// Run, Stop and Run-up-to-a-node on the runtime. A run asks for every node upstream of its
// targets, so each one reports cached or done and shows its result; results are read from the
// runtime's memory cache the moment a node finishes, before any later job borrows the buffers.
import {
  ancestorsOf,
  cacheKeys,
  defaultOutputs,
  formatError,
  indexGraph,
  validateGraph,
  type GraphDoc,
  type Registry,
  type RunEvent,
  type RunHandle,
  type Runtime,
} from '../../runtime/index.ts';
import { idleExec, invalidRun, reduceRun, withResult } from './exec-state.ts';
import type { ExecStore } from './exec-store.ts';
import { previewsOf } from './previews.ts';
import { contentKeys } from './stale.ts';

export interface RunController {
  /** Run the graph's outputs, or only what `target` needs. */
  run(target?: string): void;
  stop(): void;
  /** Forget every result: another document was opened, and its node ids mean other nodes. */
  reset(): void;
}

export interface RunControllerDeps {
  runtime: Runtime;
  registry: Registry;
  exec: ExecStore;
  getDoc(): GraphDoc;
  notify(text: string, tone?: 'info' | 'error'): void;
  /** Keep a shown result under its content key (for the next reload); optional. */
  keep?(key: string, previews: ReturnType<typeof previewsOf>): void;
}

export function createRunController({ runtime, registry, exec, getDoc, notify, keep }: RunControllerDeps): RunController {
  let current: RunHandle | undefined;
  /** The cache key each node's shown result came from, so a cached node is not redrawn. */
  const shown = new Map<string, string>();

  return {
    run(target) {
      const full = getDoc();
      const fullIndex = indexGraph(full);
      const targets = target ? [target] : defaultOutputs(full, fullIndex, registry);
      const needed = ancestorsOf(fullIndex, targets);
      // Only problems in the nodes this run needs stop it: a half-built branch elsewhere on the
      // canvas should not block running the part that is finished.
      const errors = validateGraph(full, registry).filter((e) => !e.nodeId || needed.has(e.nodeId));
      if (errors.length) {
        exec.setState(invalidRun(exec.getState()));
        notify(`Cannot run: ${formatError(errors[0])}${errors.length > 1 ? ` (and ${errors.length - 1} more)` : ''}`, 'error');
        return;
      }
      current?.cancel();
      const doc = needed.size === full.nodes.length ? full : prune(full, needed);
      const index = indexGraph(doc);
      const keys = cacheKeys(doc, index, registry);
      // What each status and result of this run is about, to tell later when it is stale.
      const content = contentKeys(full, registry);
      const runKeys = Object.fromEntries([...needed].flatMap((id) => (content.get(id) ? [[id, content.get(id)!]] : [])));
      const show = (nodeId: string) => {
        const key = keys.get(nodeId);
        if (!key || (shown.get(nodeId) === key && exec.getState().resultKeys[nodeId] === content.get(nodeId))) return;
        const outputs = runtime.memory.get(key);
        if (!outputs) return;
        shown.set(nodeId, key);
        const previews = previewsOf(outputs);
        const contentKey = content.get(nodeId);
        exec.setState(withResult(exec.getState(), nodeId, previews, contentKey));
        if (contentKey) keep?.(contentKey, previews);
      };
      const onEvent = (e: RunEvent) => {
        const next = reduceRun(exec.getState(), e, performance.now());
        exec.setState(e.type === 'run-started' ? { ...next, runKeys } : next);
        if (e.type === 'node-done' || e.type === 'node-cached') show(e.nodeId);
      };
      const handle = runtime.run(doc, { outputs: [...needed], onEvent });
      current = handle;
      void handle.done.then((result) => {
        // Nodes that never cache (not deterministic) are only in the run's own outputs.
        for (const [nodeId, outputs] of result.outputs)
          if (keys.get(nodeId) == null) exec.setState(withResult(exec.getState(), nodeId, previewsOf(outputs)));
        if (current === handle) current = undefined;
        if (result.status === 'finished' && result.stats.failed) notify(`${result.stats.failed} node(s) failed; see the red nodes`, 'error');
      });
    },
    stop() {
      current?.cancel();
    },
    reset() {
      current?.cancel();
      current = undefined;
      shown.clear();
      // Replace, not merge: a merge would keep the last run's summary (its stats) on screen.
      exec.setState(idleExec, true);
    },
  };
}

/** The part of a document that the given nodes span (nodes that embed the graph then embed
 * this part only; that is the price of running a graph that is broken elsewhere). */
export function prune(doc: GraphDoc, keep: ReadonlySet<string>): GraphDoc {
  return { ...doc, nodes: doc.nodes.filter((n) => keep.has(n.id)), edges: doc.edges.filter((e) => keep.has(e.source) && keep.has(e.target)) };
}
