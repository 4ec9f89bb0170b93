// A training loop's inner step, independent of the runtime: the gradient model is differentiated,
// serialized and loaded once; each step feeds the current weights plus a batch, runs it, and hands
// the gradients to an optimizer that updates the weights in place. Weights that are not trained
// are written into the model as constants: a runtime pre-packs and folds constants once, where an
// input is re-read on every run (Textual Inversion feeds the whole frozen UNet otherwise).
import { grad } from '../grad/grad.ts';
import { withDefaults, type Graph } from '../ir.ts';
import { toOnnxBytes } from '../onnx/serialize.ts';
import type { Backend, Session, SessionOptions } from '../session/session.ts';
import type { Tensor } from '../tensor.ts';

/** What the trainer needs of an optimizer (ml/optim's SGD/Adam/AdamW fit it). */
export interface Optimizer {
  step(params: Record<string, Float32Array>, grads: Record<string, Float32Array>): void | Promise<void>;
}

export interface TrainerOptions {
  graph: Graph;
  /** The output minimized; its sum when it is not a scalar. */
  loss: string;
  /** Weight inputs the optimizer updates; every other weight is frozen into the model as a constant. */
  trainable: readonly string[];
  /**
   * Starting value of every weight input, trainable or frozen (copied: the caller's stay as they are).
   * A frozen weight's value is fixed when the trainer is created.
   */
  params: Record<string, Tensor>;
  optimizer: Optimizer;
  backend: Backend;
  session?: SessionOptions;
}

export class Trainer {
  /** Current weights; trainable ones are updated in place after each step. */
  readonly params: Record<string, Tensor>;
  readonly trainable: readonly string[];
  steps = 0;
  private forward: Session | null = null;
  private readonly gradNames: Record<string, string>;

  private constructor(
    private readonly opts: TrainerOptions,
    private readonly session: Session,
  ) {
    this.trainable = [...opts.trainable];
    this.params = {};
    for (const [k, t] of Object.entries(opts.params)) this.params[k] = { dtype: t.dtype, shape: [...t.shape], data: t.data.slice() };
    this.gradNames = Object.fromEntries(this.trainable.map((w) => [w, gradName(w)]));
  }

  static async create(opts: TrainerOptions): Promise<Trainer> {
    const { graph, loss, trainable, params } = opts;
    if (!trainable.length) throw new Error('Trainer: nothing to train (trainable is empty)');
    for (const w of trainable) {
      if (!params[w]) throw new Error(`Trainer: trainable "${w}" has no starting value in params`);
      if (params[w].dtype !== 'float32') throw new Error(`Trainer: trainable "${w}" is ${params[w].dtype}; optimizers update float32`);
    }
    for (const k of Object.keys(params))
      if (!graph.inputs.includes(k)) throw new Error(`Trainer: param "${k}" is not an input of graph "${graph.name}"`);
    const frozen = freeze(graph, params, new Set(trainable));
    const g = grad(frozen, { loss, wrt: trainable, gradName });
    const session = await opts.backend.create(toOnnxBytes(g), opts.session);
    return new Trainer({ ...opts, graph: frozen }, session);
  }

  /** One optimization step on a batch (the non-weight inputs); returns the loss before the update. */
  async step(batch: Record<string, Tensor>): Promise<number> {
    const { loss } = this.opts;
    const out = await this.session.run(this.feeds(batch), [loss, ...Object.values(this.gradNames)]);
    const value = total(out[loss]);
    if (!Number.isFinite(value)) throw new Error(`Trainer: loss is ${value} at step ${this.steps}`);
    const params: Record<string, Float32Array> = {};
    const grads: Record<string, Float32Array> = {};
    for (const w of this.trainable) {
      params[w] = this.params[w].data as Float32Array;
      grads[w] = out[this.gradNames[w]].data as Float32Array;
    }
    await this.opts.optimizer.step(params, grads);
    this.steps++;
    return value;
  }

  /** The loss on a batch without updating anything (a forward-only session, made on first use). */
  async evaluate(batch: Record<string, Tensor>): Promise<number> {
    this.forward ??= await this.opts.backend.create(toOnnxBytes(this.opts.graph), this.opts.session);
    const out = await this.forward.run(this.feeds(batch), [this.opts.loss]);
    return total(out[this.opts.loss]);
  }

  /** Ends the profile of the training session (SessionOptions.profile) and writes it out. */
  endProfiling(): void {
    this.session.endProfiling?.();
  }

  async release(): Promise<void> {
    await this.session.release();
    await this.forward?.release();
    this.forward = null;
  }

  private feeds(batch: Record<string, Tensor>): Record<string, Tensor> {
    const feeds: Record<string, Tensor> = {};
    for (const w of this.trainable) feeds[w] = this.params[w];
    for (const [k, t] of Object.entries(batch)) {
      if (k in this.params) throw new Error(`Trainer: batch input "${k}" is also a weight`);
      feeds[k] = t;
    }
    const all = withDefaults(this.opts.graph, feeds);
    const missing = this.opts.graph.inputs.filter((i) => !(i in all));
    if (missing.length) throw new Error(`Trainer: no value for input${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`);
    return all;
  }
}

/** The graph with every weight outside `trainable` turned from an input into a constant initializer. */
function freeze(graph: Graph, params: Record<string, Tensor>, trainable: ReadonlySet<string>): Graph {
  const fixed = Object.keys(params).filter((k) => !trainable.has(k));
  if (!fixed.length) return graph;
  const initializers = new Map(graph.initializers);
  for (const k of fixed) initializers.set(k, params[k]);
  const defaults = graph.defaults && new Set([...graph.defaults].filter((k) => trainable.has(k) || !params[k]));
  return { ...graph, inputs: graph.inputs.filter((i) => trainable.has(i) || !params[i]), initializers, defaults };
}

// A suffix no model input is likely to carry, so gradient outputs never collide with graph values.
const gradName = (w: string) => `${w}::grad`;

function total(t: Tensor): number {
  let s = 0;
  for (const v of t.data as Float32Array) s += v;
  return s;
}
