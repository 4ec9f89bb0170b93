// The scheduler: validate, key, plan, then run ready nodes as their inputs arrive, on whatever
// executor it was given. Results are cached only after a node finished completely, so a cancel
// or crash can never leave a partial result behind.
import { cacheKeys } from './cache-keys.ts';
import { encodeValue, decodeValue } from './cache/encode.ts';
import { MemoryCache } from './cache/memory.ts';
import type { PersistentStore } from './cache/store.ts';
import type { ValidationError } from './document/errors.ts';
import type { GraphDoc } from './document/schema.ts';
import type { RunEvent, RunEventListener, RunStats } from './events.ts';
import { JobError, type Executor, type JobInputs } from './executor.ts';
import { ancestorsOf, indexGraph } from './graph.ts';
import { portsOf } from './node-ports.ts';
import { defaultOutputs, planRun, shouldPersist } from './plan.ts';
import type { Registry } from './registry.ts';
import { validateGraph } from './validate.ts';
import type { NodeOutputs, PortValue } from './values.ts';
import { Lender } from './lender.ts';

export interface RuntimeOptions {
  registry: Registry;
  executor: Executor;
  memory?: MemoryCache;
  persistent?: PersistentStore;
  /** Keep every deterministic node's outputs in `persistent`, not only the expensive ones: for a
   * store shared by several machines, where any result saves a job. */
  persistAll?: boolean;
}

export interface RunOptions {
  /** Node ids whose outputs are wanted; by default the output nodes (else every sink). */
  outputs?: readonly string[];
  onEvent?: RunEventListener;
}

export interface RunResult {
  runId: string;
  status: 'finished' | 'cancelled' | 'invalid';
  errors: ValidationError[];
  /** The nodes whose outputs were asked for. */
  requested: string[];
  /** Outputs of the requested nodes that produced them. */
  outputs: Map<string, NodeOutputs>;
  nodeErrors: Map<string, string>;
  ran: string[];
  cached: string[];
  stats: RunStats;
}

export interface RunHandle {
  runId: string;
  done: Promise<RunResult>;
  cancel(): void;
  cancelNode(nodeId: string): void;
}

export interface Runtime {
  run(doc: GraphDoc, options?: RunOptions): RunHandle;
  /** What a node of this type reads about these params without running (its `describe`), on the
   * executor: e.g. an ONNX Model's file's inputs and outputs. Rejects with the node's error. */
  describe(nodeType: string, params: Record<string, unknown>, signal?: AbortSignal): Promise<unknown>;
  readonly memory: MemoryCache;
}

let runCounter = 0;

/** Memory-cache cost assumed for outputs loaded from the persistent store. */
const PERSISTED_COST_MS = 10_000;

function decodeOrUndefined(bytes: Uint8Array): NodeOutputs | undefined {
  try {
    return decodeValue<NodeOutputs>(bytes);
  } catch {
    return undefined;
  }
}

export function createRuntime(options: RuntimeOptions): Runtime {
  const { registry, executor, persistent } = options;
  const memory = options.memory ?? new MemoryCache();
  const lender = new Lender();
  const persists = (def: Parameters<typeof shouldPersist>[0], params: Parameters<typeof shouldPersist>[1]) => options.persistAll === true || shouldPersist(def, params);

  function run(doc: GraphDoc, runOptions: RunOptions = {}): RunHandle {
    const runId = `run-${++runCounter}`;
    const runAbort = new AbortController();
    const nodeAborts = new Map<string, AbortController>();
    const cancelledEarly = new Set<string>();
    const done = execute(doc, runId, runOptions, runAbort.signal, nodeAborts, cancelledEarly);
    return {
      runId,
      done,
      cancel() {
        runAbort.abort();
        for (const c of nodeAborts.values()) c.abort();
      },
      cancelNode(nodeId) {
        cancelledEarly.add(nodeId);
        nodeAborts.get(nodeId)?.abort();
      },
    };
  }

  async function execute(
    doc: GraphDoc,
    runId: string,
    opts: RunOptions,
    runSignal: AbortSignal,
    nodeAborts: Map<string, AbortController>,
    cancelledEarly: Set<string>,
  ): Promise<RunResult> {
    const t0 = performance.now();
    const emit = (e: RunEvent) => opts.onEvent?.(e);
    const result: RunResult = {
      runId,
      status: 'finished',
      errors: [],
      requested: [],
      outputs: new Map(),
      nodeErrors: new Map(),
      ran: [],
      cached: [],
      stats: { nodes: doc.nodes.length, ran: 0, cached: 0, failed: 0 },
    };
    result.errors = validateGraph(doc, registry);
    const ids = new Set(doc.nodes.map((n) => n.id));
    for (const id of opts.outputs ?? [])
      if (!ids.has(id)) result.errors.push({ code: 'unknown-node', nodeId: id, message: `requested output ${id} is not in the graph` });
    if (result.errors.length) return { ...result, status: 'invalid' };

    const index = indexGraph(doc);
    const keys = cacheKeys(doc, index, registry);
    const byId = new Map(doc.nodes.map((n) => [n.id, n]));
    const defOf = (id: string) => registry.get(byId.get(id)!.type)!;
    const requested = opts.outputs ? [...opts.outputs] : defaultOutputs(doc, index, registry);
    result.requested = requested;

    // Persistent hits are looked up first (async) so planning stays a pure function.
    const persisted = new Set<string>();
    if (persistent)
      for (const id of ancestorsOf(index, requested)) {
        const key = keys.get(id);
        if (key && !memory.has(key) && persists(defOf(id), byId.get(id)!.params) && (await persistent.has(key))) persisted.add(id);
      }
    // Plan, then fetch what the plan takes from the cache. A persisted value that vanished in
    // between (deleted, unreadable) is planned again as a node to run.
    const missing = new Set<string>();
    const results = new Map<string, NodeOutputs>();
    let plan: ReturnType<typeof planRun>;
    for (;;) {
      plan = planRun(index, requested, (id) => {
        const key = keys.get(id);
        return key != null && !missing.has(id) && (memory.has(key) || persisted.has(id));
      });
      for (const id of plan.cached) {
        if (results.has(id)) continue;
        const key = keys.get(id)!;
        let outputs = memory.get(key);
        if (!outputs) {
          const bytes = await persistent?.get(key).catch(() => undefined);
          outputs = bytes && decodeOrUndefined(bytes);
          // Persisted outputs are the expensive ones; without their real cost, rank them high.
          if (outputs) memory.set(key, outputs, PERSISTED_COST_MS);
        }
        if (outputs) results.set(id, outputs);
        else missing.add(id);
      }
      if (plan.cached.every((id) => results.has(id))) break;
    }
    emit({ type: 'run-started', runId, requested, toRun: plan.toRun, cached: plan.cached });
    for (const id of plan.cached) emit({ type: 'node-cached', runId, nodeId: id });
    for (const id of plan.toRun) emit({ type: 'node-queued', runId, nodeId: id });
    result.cached = plan.cached;

    const state = new Map<string, 'waiting' | 'running' | 'done' | 'failed'>(plan.toRun.map((id) => [id, 'waiting']));
    const sourcesOf = (id: string) => {
      const s = new Set<string>();
      for (const wires of index.incoming.get(id)!.values()) for (const w of wires) s.add(w.source);
      return [...s];
    };
    const fail = (nodeId: string, message: string, reason: 'threw' | 'crashed' | 'cancelled' | 'blocked') => {
      state.set(nodeId, 'failed');
      result.nodeErrors.set(nodeId, message);
      emit({ type: 'node-error', runId, nodeId, message, reason });
    };

    const inputsOf = (id: string): JobInputs => {
      const inputs: JobInputs = {};
      for (const [name, spec] of Object.entries(portsOf(defOf(id), byId.get(id)!.params).inputs)) {
        const values = (index.incoming.get(id)!.get(name) ?? []).map((w) => results.get(w.source)![w.sourceHandle]);
        inputs[name] = spec.isList ? values : values[0];
      }
      return inputs;
    };

    /** Put borrowed inputs back where the scheduler (and the memory cache) hold them. */
    const restore = (id: string, returned: JobInputs) => {
      for (const [name, wires] of index.incoming.get(id)!) {
        const back = returned[name];
        const list = Array.isArray(back) ? back : [back];
        wires.forEach((w, i) => {
          if (list[i]) results.get(w.source)![w.sourceHandle] = list[i] as PortValue;
        });
      }
    };

    const start = async (id: string) => {
      state.set(id, 'running');
      const def = defOf(id);
      const node = byId.get(id)!;
      const ctrl = new AbortController();
      nodeAborts.set(id, ctrl);
      const borrowed = index.incoming.get(id)!;
      const sources = [...borrowed.values()].flat().map((w) => ({ record: results.get(w.source)!, handle: w.sourceHandle, source: w.source }));
      let lease: Awaited<ReturnType<Lender['borrow']>> | undefined;
      const began = performance.now();
      try {
        if (executor.lends) {
          lease = await lender.borrow(sources.map((s) => [s.record, s.handle] as const));
          if (!lease.ok) throw new JobError(`an input was lost when a worker crashed; run again`, 'crashed');
        }
        if (ctrl.signal.aborted) throw new JobError('cancelled', 'cancelled');
        let started = began;
        const { outputs, inputs } = await executor.execute(
          {
            nodeId: id,
            nodeType: def.type,
            params: node.params,
            inputs: inputsOf(id),
            document: def.flags.usesDocument ? doc : undefined,
            runId,
            cacheKey: keys.get(id) ?? null,
          },
          {
            signal: ctrl.signal,
            onStart: () => {
              started = performance.now();
              emit({ type: 'node-running', runId, nodeId: id });
            },
            onProgress: (value, max) => emit({ type: 'node-running', runId, nodeId: id, progress: { value, max } }),
            onPreview: (preview) => emit({ type: 'node-running', runId, nodeId: id, preview }),
          },
        );
        if (inputs) restore(id, inputs);
        lease?.release(true);
        const ms = performance.now() - started;
        results.set(id, outputs);
        const key = keys.get(id);
        if (key) {
          memory.set(key, outputs, ms);
          if (persistent && persists(def, node.params)) await persistent.set(key, encodeValue(outputs));
        }
        state.set(id, 'done');
        result.ran.push(id);
        emit({ type: 'node-done', runId, nodeId: id, ms });
      } catch (e) {
        const err = e instanceof JobError ? e : new JobError(e instanceof Error ? e.message : String(e), 'threw');
        if (err.inputs) restore(id, err.inputs);
        if (lease) {
          const kept = !executor.lends || err.inputs !== undefined;
          // Inputs that went down with a worker are gone: forget them so the next run recomputes.
          if (!kept) for (const s of sources) if (keys.get(s.source)) memory.delete(keys.get(s.source)!);
          lease.release(kept);
        }
        fail(id, err.message, err.reason);
      } finally {
        nodeAborts.delete(id);
      }
    };

    await new Promise<void>((resolve) => {
      const running = new Set<Promise<void>>();
      const pump = () => {
        for (const id of plan.toRun) {
          if (state.get(id) !== 'waiting') continue;
          const srcs = sourcesOf(id).filter((s) => state.has(s));
          if (runSignal.aborted || cancelledEarly.has(id)) fail(id, 'cancelled', 'cancelled');
          else if (srcs.some((s) => state.get(s) === 'failed'))
            fail(id, `not run: input from ${srcs.find((s) => state.get(s) === 'failed')} failed`, 'blocked');
          else if (srcs.every((s) => state.get(s) === 'done')) {
            const p = start(id).then(() => {
              running.delete(p);
              pump();
            });
            running.add(p);
          }
        }
        if (running.size === 0) resolve();
      };
      runSignal.addEventListener('abort', pump, { once: true });
      pump();
    });

    for (const id of requested) {
      const outputs = results.get(id);
      if (outputs) result.outputs.set(id, outputs);
    }
    result.stats = { nodes: doc.nodes.length, ran: result.ran.length, cached: result.cached.length, failed: result.nodeErrors.size };
    const ms = performance.now() - t0;
    if (runSignal.aborted) {
      result.status = 'cancelled';
      emit({ type: 'run-cancelled', runId, stats: result.stats, ms });
    } else emit({ type: 'run-finished', runId, stats: result.stats, ms });
    return result;
  }

  async function describe(nodeType: string, params: Record<string, unknown>, signal = new AbortController().signal): Promise<unknown> {
    if (!registry.get(nodeType)) throw new Error(`unknown node type ${nodeType}`);
    if (!executor.describe) throw new Error('this host cannot read a node\'s file (its executor has no describe)');
    return executor.describe(nodeType, params, signal);
  }

  return { run, describe, memory };
}
