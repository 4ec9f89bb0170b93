// The registry of a model's named weights. Every weight is a graph INPUT (never an initializer):
// runtimes constant-fold initializers, which would both hide a weight from the gradient graph and
// freeze it into the model bytes. The registry remembers each weight's initial value, so a model
// can hand out its starting weights as feeds and a trainer knows what to feed each step.
import type { GraphBuilder, Value } from '../builder.ts';
import { Rng } from '../random.ts';
import type { Tensor } from '../tensor.ts';

export interface ParamInfo {
  /** Dotted path, e.g. 'enc.conv1.weight': the graph input's name and the safetensors key. */
  readonly name: string;
  readonly value: Value;
  /** Initial value; never mutated (initial() hands out copies). */
  readonly init: Tensor;
  /** Free-form labels; 'lora' marks low-rank adapter weights. */
  readonly tags: ReadonlySet<string>;
}

export interface ParamsOptions {
  /** Seed of the Rng that draws initial weights (default 0). */
  seed?: number;
  /** Prefix for every name (e.g. 'unet'), joined with a dot. */
  prefix?: string;
}

export interface ParamFilter {
  /** Only weights with this tag. */
  tag?: string;
  /** Only weights without this tag. */
  without?: string;
}

export class Params {
  readonly rng: Rng;
  readonly prefix: string;
  private readonly byName = new Map<string, ParamInfo>();

  constructor(
    readonly b: GraphBuilder,
    opts: ParamsOptions = {},
  ) {
    this.rng = new Rng(opts.seed ?? 0);
    this.prefix = opts.prefix ?? '';
  }

  /** Declares a weight as a graph input named `name` (already a full dotted path). */
  add(name: string, init: Tensor, tags: readonly string[] = []): Value {
    if (!name || name.startsWith('.') || name.endsWith('.') || name.includes('..'))
      throw new Error(`parameter name "${name}" is not a dotted path`);
    if (this.byName.has(name)) throw new Error(`parameter "${name}" is declared twice`);
    const value = this.b.input(name, init.dtype, init.shape);
    this.byName.set(name, { name, value, init, tags: new Set(tags) });
    return value;
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  get(name: string): ParamInfo {
    const p = this.byName.get(name);
    if (!p) throw new Error(`no parameter named "${name}"`);
    return p;
  }

  /** Names in declaration order, optionally filtered by tag. */
  names(filter: ParamFilter = {}): string[] {
    const out: string[] = [];
    for (const p of this.byName.values()) {
      if (filter.tag !== undefined && !p.tags.has(filter.tag)) continue;
      if (filter.without !== undefined && p.tags.has(filter.without)) continue;
      out.push(p.name);
    }
    return out;
  }

  /** Fresh copies of the initial values, keyed by name: the feeds of an untrained model. */
  initial(filter: ParamFilter = {}): Record<string, Tensor> {
    const out: Record<string, Tensor> = {};
    for (const n of this.names(filter)) {
      const t = this.byName.get(n)!.init;
      out[n] = { dtype: t.dtype, shape: [...t.shape], data: t.data.slice() };
    }
    return out;
  }

  /** Total number of scalar weights (optionally filtered). */
  count(filter: ParamFilter = {}): number {
    return this.names(filter).reduce((s, n) => s + this.byName.get(n)!.init.data.length, 0);
  }
}

/** Joins dotted path segments, skipping empty ones. */
export const joinPath = (...parts: string[]) => parts.filter(Boolean).join('.');
