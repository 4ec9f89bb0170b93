// A person's own ONNX model (a generator, decoder, encoder, or a classifier used as a loss),
// imported at any opset 7–21 into the engine's graph form, so it can be run, inverted (find the
// input whose output matches targets) and tuned (LoRA on chosen weights). The backend is
// injected, so the same object runs on onnxruntime-node and onnxruntime-web.
import {
  Adam,
  allocate,
  type Backend,
  decodeOnnx,
  type ExternalDataReader,
  type Graph,
  GraphBuilder,
  importOnnx,
  isFloat,
  randn,
  Rng,
  SessionCache,
  type SessionOptions,
  sizeOf,
  type Tensor,
  toOnnxBytes,
  Trainer,
  type ValueInfo,
  withDefaults,
} from '../../ml/index.ts';
import { type LoopOptions, type LoopResult, optimize } from '../personalize/optimize.ts';
import { digestOf, loraDelta, loraGraph, type LoraSpec } from './lora.ts';

export interface PortInfo extends ValueInfo {
  name: string;
  /** [N, 1 or 3, H, W]: shown and wired as images. */
  image: boolean;
}

export interface ImportedModelOptions {
  backend: Backend;
  session?: SessionOptions;
  /** Size bound to symbolic batch dimensions (dimension 0 of an input). */
  batch?: number;
  external?: ExternalDataReader;
  name?: string;
}

/** The loop settings every optimization shares (steps, lr, early stop, previews, abort). */
export type LoopSettings = Pick<LoopOptions, 'steps' | 'patience' | 'onStep' | 'previewEvery' | 'signal' | 'explode'> & { lr: number; seed?: number };

const isImageShape = (s: readonly number[]) => s.length === 4 && (s[1] === 1 || s[1] === 3) && s[2] > 1 && s[3] > 1;

/** Weights LoRA can adapt: float initializers of rank ≥ 2 that a MatMul, Gemm or Conv takes as its weight. */
function adaptableWeights(g: Graph): string[] {
  const out = new Set<string>();
  for (const n of g.nodes) {
    if (n.op !== 'MatMul' && n.op !== 'Gemm' && n.op !== 'Conv' && n.op !== 'ConvTranspose') continue;
    const w = n.inputs[1];
    const t = w ? g.initializers.get(w) : undefined;
    if (t && isFloat(t.dtype) && t.shape.length >= 2 && !g.defaults?.has(w)) out.add(w);
  }
  return [...out];
}

export class ImportedModel {
  private readonly sessions: SessionCache;

  private constructor(
    readonly name: string,
    readonly graph: Graph,
    private readonly opts: ImportedModelOptions,
  ) {
    this.sessions = new SessionCache(opts.backend, opts.session);
  }

  /** Imports an ONNX file; symbolic batch dimensions take `batch` (default 1). */
  static fromBytes(bytes: Uint8Array, opts: ImportedModelOptions): ImportedModel {
    const view = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const raw = decodeOnnx(view, { external: opts.external });
    const dims: Record<string, number> = {};
    for (const v of raw.inputs) if (typeof v.dims[0] === 'string') dims[v.dims[0]] = opts.batch ?? 1;
    const graph = importOnnx(view, { dims, external: opts.external });
    return new ImportedModel(opts.name ?? raw.name, graph, opts);
  }

  get backend(): Backend {
    return this.opts.backend;
  }

  private info(name: string): PortInfo {
    const v = this.graph.values.get(name)!;
    return { name, dtype: v.dtype, shape: [...v.shape], image: isImageShape(v.shape) };
  }

  /** The inputs a caller feeds (initializers excluded). */
  get inputs(): PortInfo[] {
    return this.graph.inputs.filter((n) => !this.graph.defaults?.has(n)).map((n) => this.info(n));
  }

  get outputs(): PortInfo[] {
    return this.graph.outputs.map((n) => this.info(n));
  }

  /** The named input (or the first); an unknown name is refused with the model's inputs listed. */
  input(name = ''): PortInfo {
    return pickPort(this.inputs, name, 'input', this.name);
  }

  output(name = ''): PortInfo {
    return pickPort(this.outputs, name, 'output', this.name);
  }

  /** Weights LoRA may adapt, by initializer name. */
  get adaptable(): string[] {
    return adaptableWeights(this.graph);
  }

  /** Runs the model; inputs not fed are zeros of their shape (a generator's class input, say). */
  async run(feeds: Record<string, Tensor>, outputs?: string[], lora?: LoraSpec): Promise<Record<string, Tensor>> {
    const key = lora ? `lora:${lora.digest}` : 'base';
    const s = await this.sessions.get(key, () => toOnnxBytes(lora ? withMergedLora(this.graph, lora) : this.graph));
    return s.run(this.complete(feeds), outputs);
  }

  private complete(feeds: Record<string, Tensor>): Record<string, Tensor> {
    const out = { ...feeds };
    for (const i of this.inputs) if (!out[i.name]) out[i.name] = zeros(i);
    return withDefaults(this.graph, out);
  }

  /** A seeded standard-normal value for an input (a generator's latent). */
  sampleInput(name: string, seed: number): Tensor {
    const info = this.input(name);
    return randn(info.shape, new Rng(seed));
  }

  /**
   * Inversion: the value of `input` whose `output` matches `targets` in mean squared error,
   * by Adam from `init` (default: a seeded normal draw). Every other input is zeros.
   */
  async invert(o: LoopSettings & { input: string; output: string; targets: Tensor; init?: Tensor; onPreview?: (step: number, value: Tensor) => Promise<void> | void }): Promise<LoopResult & { value: Tensor }> {
    const input = this.input(o.input);
    const { graph, target, loss } = objectiveGraph(this.graph, this.output(o.output), o.targets);
    const start = o.init ?? this.sampleInput(input.name, o.seed ?? 0);
    checkShape(start, input, `the initial value of "${input.name}"`);
    const optimizer = new Adam({ lr: o.lr });
    const trainer = await Trainer.create({
      graph,
      loss,
      trainable: [input.name],
      params: { [input.name]: { ...start, data: start.data.slice() } as Tensor },
      optimizer,
      backend: this.opts.backend,
      session: this.opts.session,
    });
    const fixed = this.complete({ [target]: o.targets, [input.name]: start });
    delete fixed[input.name];
    try {
      const r = await optimize({
        ...o,
        trainer,
        decay: { optimizer, to: 0.05 },
        batch: () => fixed,
        onPreview: o.onPreview && ((k, v) => o.onPreview!(k, v[input.name])),
      });
      return { ...r, value: r.values[input.name] };
    } finally {
      await trainer.release();
    }
  }

  /**
   * Tuning: low-rank adapters on the chosen weights (default: every MatMul/Gemm/Conv weight),
   * fitted so that `output` on the given `inputValue` matches `targets`.
   */
  async tune(
    o: LoopSettings & { input: string; output: string; inputValue: Tensor; targets: Tensor; weights?: readonly string[]; rank: number; alpha: number },
  ): Promise<LoopResult & { lora: LoraSpec }> {
    const input = this.input(o.input);
    checkShape(o.inputValue, input, `the value fed to "${input.name}"`);
    const weights = o.weights?.length ? [...o.weights] : this.adaptable;
    const bad = weights.filter((w) => !this.adaptable.includes(w));
    if (bad.length)
      throw new Error(
        `LoRA: ${bad.map((w) => `"${w}"`).join(', ')} ${bad.length === 1 ? 'is not a weight' : 'are not weights'} of a MatMul, Gemm or Conv in "${this.name}" (adaptable: ${this.adaptable.slice(0, 12).join(', ') || 'none'})`,
      );
    if (!weights.length) throw new Error(`LoRA: "${this.name}" has no MatMul, Gemm or Conv weights to adapt`);
    const adapted = loraGraph(this.graph, weights, o.rank, o.alpha, new Rng(o.seed ?? 0));
    const { graph, target, loss } = objectiveGraph(adapted.graph, this.output(o.output), o.targets);
    const optimizer = new Adam({ lr: o.lr });
    const trainer = await Trainer.create({ graph, loss, trainable: adapted.names, params: adapted.init, optimizer, backend: this.opts.backend, session: this.opts.session });
    const batch = this.complete({ [input.name]: o.inputValue, [target]: o.targets });
    try {
      const r = await optimize({ ...o, trainer, batch: () => batch });
      return { ...r, lora: { tensors: r.values, rank: o.rank, alpha: o.alpha, digest: digestOf(r.values) } };
    } finally {
      await trainer.release();
    }
  }

  async release(): Promise<void> {
    await this.sessions.release();
  }
}

function pickPort(ports: PortInfo[], name: string, what: string, model: string): PortInfo {
  if (!ports.length) throw new Error(`"${model}" has no ${what}s`);
  if (!name) return ports[0];
  const p = ports.find((q) => q.name === name);
  if (!p) throw new Error(`"${model}" has no ${what} named "${name}"; its ${what}s: ${ports.map((q) => `${q.name} [${q.shape}]`).join(', ')}`);
  return p;
}

function checkShape(t: Tensor, info: PortInfo, what: string) {
  if (t.shape.length !== info.shape.length || t.shape.some((d, i) => d !== info.shape[i]))
    throw new Error(`${what} is [${t.shape}] but the model takes [${info.shape}]`);
}

/** The model with a `target` input and a mean-squared-error `loss` output between `output` and it. */
function objectiveGraph(model: Graph, output: PortInfo, targets: Tensor): { graph: Graph; target: string; loss: string } {
  if (targets.shape.length !== output.shape.length || targets.shape.some((d, i) => d !== output.shape[i]))
    throw new Error(`the targets are [${targets.shape}] but output "${output.name}" is [${output.shape}]`);
  const b = GraphBuilder.from(model);
  const y = b.value(output.name);
  const t = b.input(b.fresh('target'), y.dtype, y.shape);
  const d = b.op1('Sub', [y, t]);
  const axes = y.shape.map((_, i) => i);
  const loss = b.op1('ReduceMean', [b.op1('Mul', [d, d])], { axes, keepdims: 0 });
  const out = b.output(loss, b.fresh('loss'));
  return { graph: b.build(), target: t.name, loss: out.name };
}

/** A copy of the graph whose adapted weights have their LoRA delta added (for running a tuned model). */
function withMergedLora(g: Graph, lora: LoraSpec): Graph {
  const initializers = new Map(g.initializers);
  for (const [w, delta] of loraDelta(g, lora)) {
    const base = g.initializers.get(w)!;
    const data = (base.data as Float32Array).slice();
    const d = delta.data as Float32Array;
    for (let i = 0; i < data.length; i++) data[i] += d[i];
    initializers.set(w, { ...base, data });
  }
  return { ...g, initializers };
}

function zeros(info: ValueInfo): Tensor {
  return { dtype: info.dtype, shape: [...info.shape], data: allocate(info.dtype, sizeOf(info.shape)) } as Tensor;
}
