// One Session interface over onnxruntime-node and onnxruntime-web: both expose the same
// InferenceSession/Tensor API (onnxruntime-common), so a single adapter serves both.
import type { DType, TypedArray } from '../dtype.ts';
import type { Tensor } from '../tensor.ts';

export interface SessionOptions {
  /** Threads inside one operator; default lets the runtime choose. */
  threads?: number;
  /** Execution providers in order of preference, e.g. ['webgpu', 'wasm'] or ['cpu']. */
  providers?: string[];
  /** Graph optimization level passed to the runtime. */
  optimization?: 'disabled' | 'basic' | 'extended' | 'all';
  /** onnxruntime's profiler: a file prefix (onnxruntime-node writes `<prefix>_<time>.json` on endProfiling). */
  profile?: string;
}

export interface Session {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  /** Runs the model; returns the requested outputs (all of them by default). */
  run(feeds: Record<string, Tensor>, fetch?: readonly string[]): Promise<Record<string, Tensor>>;
  /** Ends a profile started by the `profile` option and writes it out. */
  endProfiling?(): void;
  release(): Promise<void>;
}

export interface Backend {
  readonly name: string;
  create(model: Uint8Array, opts?: SessionOptions): Promise<Session>;
}

/** The slice of onnxruntime-common's API that the adapter needs. */
export interface OrtLike {
  Tensor: new (type: string, data: TypedArray, dims: readonly number[]) => OrtTensorLike;
  InferenceSession: {
    create(model: Uint8Array, options?: Record<string, unknown>): Promise<OrtSessionLike>;
  };
}
interface OrtTensorLike {
  readonly type: string;
  readonly dims: readonly number[];
  readonly data: unknown;
}
interface OrtSessionLike {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  run(feeds: Record<string, OrtTensorLike>, fetches?: readonly string[]): Promise<Record<string, OrtTensorLike>>;
  endProfiling(): void;
  release(): Promise<void>;
}

const ORT_TYPE: Record<DType, string> = {
  float32: 'float32',
  float16: 'float16',
  float64: 'float64',
  int64: 'int64',
  int32: 'int32',
  int8: 'int8',
  uint8: 'uint8',
  bool: 'bool',
};
const FROM_ORT = new Map(Object.entries(ORT_TYPE).map(([k, v]) => [v, k as DType]));

/**
 * `serial`: one run at a time across every session of the backend. onnxruntime-web runs all its
 * sessions in one wasm instance that refuses a run while another is in flight ("Session already
 * started"), so two awaited runs started together (two embeddings computed side by side) would
 * fail in the browser while passing in Node; queued, they take turns.
 */
export function ortBackend(name: string, ort: OrtLike, defaults: SessionOptions = {}, o: { serial?: boolean } = {}): Backend {
  let turn: Promise<unknown> = Promise.resolve();
  const inTurn = <T>(f: () => Promise<T>): Promise<T> => {
    if (!o.serial) return f();
    const next = turn.then(f, f);
    turn = next.catch(() => {});
    return next;
  };
  return {
    name,
    async create(model, opts = {}) {
      const o = { ...defaults, ...opts };
      // Errors only: the runtime's warnings (e.g. about initializers kept as overridable inputs) are noise here.
      const options: Record<string, unknown> = { logSeverityLevel: 3 };
      if (o.threads) options.intraOpNumThreads = o.threads;
      if (o.providers) options.executionProviders = o.providers;
      if (o.optimization) options.graphOptimizationLevel = o.optimization;
      if (o.profile) Object.assign(options, { enableProfiling: true, profileFilePrefix: o.profile });
      const s = await inTurn(() => ort.InferenceSession.create(model, options));
      const takes = new Set(s.inputNames);
      return {
        inputNames: s.inputNames,
        outputNames: s.outputNames,
        async run(feeds, fetch) {
          const f: Record<string, OrtTensorLike> = {};
          for (const [k, t] of Object.entries(feeds)) {
            // Models hand each of their graphs their whole weight set, of which a graph may take a
            // part. onnxruntime-node ignores a feed the graph does not take, onnxruntime-web refuses
            // it ("invalid input"): dropped here, so both backends run the same calls alike.
            if (!takes.has(k)) continue;
            const data = t.dtype === 'bool' && !(t.data instanceof Uint8Array) ? Uint8Array.from(t.data as Int32Array) : t.data;
            f[k] = new ort.Tensor(ORT_TYPE[t.dtype], data, t.shape);
          }
          const out = await inTurn(() => s.run(f, fetch));
          const res: Record<string, Tensor> = {};
          for (const [k, t] of Object.entries(out)) {
            const dtype = FROM_ORT.get(t.type);
            if (!dtype) throw new Error(`output "${k}" has type ${t.type}, which the engine does not handle`);
            res[k] = { dtype, shape: [...t.dims], data: t.data as TypedArray };
          }
          return res;
        },
        endProfiling: () => s.endProfiling(),
        release: () => inTurn(() => s.release()),
      };
    },
  };
}
