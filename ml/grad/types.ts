// A gradient rule maps the gradients of a node's outputs to the gradients of its inputs.
import type { GraphBuilder, Value } from '../builder.ts';
import type { AttrValue, OpNode } from '../ir.ts';

export class GradCtx {
  constructor(
    readonly b: GraphBuilder,
    readonly node: OpNode,
    private readonly wanted: boolean[],
    private readonly grads: (Value | null)[],
  ) {}

  /** Forward input i (null where omitted). */
  x(i: number): Value {
    const name = this.node.inputs[i];
    if (!name) throw new Error(`${this.node.op} "${this.node.name}": input ${i} is omitted`);
    return this.b.value(name);
  }

  has(i: number): boolean {
    return !!this.node.inputs[i];
  }

  /** Forward output i. */
  y(i = 0): Value {
    return this.b.value(this.node.outputs[i]);
  }

  /** Gradient flowing into output i, or null when none does. */
  dy(i = 0): Value | null {
    return this.grads[i] ?? null;
  }

  /** Whether the gradient of input i is needed (rules may skip work that is not). */
  needs(i: number): boolean {
    return this.wanted[i] ?? false;
  }

  attr<T extends AttrValue>(name: string, fallback: T): T {
    const v = this.node.attrs[name];
    return (v === undefined ? fallback : v) as T;
  }

  /** Constant value of input i when known at build time. */
  constInts(i: number): number[] | undefined {
    const t = this.node.inputs[i] ? this.b.constValue(this.node.inputs[i]) : undefined;
    return t ? Array.from(t.data as ArrayLike<number | bigint>, Number) : undefined;
  }

  fail(message: string): never {
    throw new Error(`gradient of ${this.node.op} "${this.node.name}": ${message}`);
  }
}

/** One gradient per forward input; null (or missing) where no gradient flows. */
export type GradRule = (c: GradCtx) => (Value | null | undefined)[];
