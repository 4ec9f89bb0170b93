// What the engine knows of one ONNX operator: attribute types, shape inference, constant folding.
import type { AttrValue, OpNode, ValueInfo } from '../ir.ts';
import type { Tensor } from '../tensor.ts';

export type AttrType = 'int' | 'float' | 'ints' | 'floats' | 'string' | 'strings' | 'tensor';

export class ShapeError extends Error {
  constructor(node: OpNode, message: string) {
    super(`${node.op} "${node.name}": ${message}`);
    this.name = 'ShapeError';
  }
}

export class InferCtx {
  constructor(
    readonly node: OpNode,
    /** null where an optional input is omitted. */
    readonly inputs: (ValueInfo | null)[],
    /** The value of each input when it is a constant known at build time. */
    readonly consts: (Tensor | null)[],
  ) {}

  fail(message: string): never {
    throw new ShapeError(this.node, message);
  }

  attr<T extends AttrValue>(name: string, fallback: T): T;
  attr<T extends AttrValue>(name: string): T | undefined;
  attr<T extends AttrValue>(name: string, fallback?: T): T | undefined {
    const v = this.node.attrs[name];
    return (v === undefined ? fallback : v) as T | undefined;
  }

  /** The input at i, which must be present. */
  in(i: number): ValueInfo {
    const v = this.inputs[i];
    if (!v) this.fail(`input ${i} is required`);
    return v;
  }

  /** A constant input's elements as numbers; fails when the value is not known at build time. */
  constInts(i: number, what: string): number[] {
    const c = this.consts[i];
    if (!c) this.fail(`${what} (input ${i}) must be a constant known when the graph is built`);
    return Array.from(c.data as ArrayLike<number | bigint>, Number);
  }

  /** Normalizes a possibly negative axis against a rank. */
  axis(a: number, rank: number, what = 'axis'): number {
    const r = a < 0 ? a + rank : a;
    if (r < 0 || r >= rank) this.fail(`${what} ${a} is out of range for rank ${rank}`);
    return r;
  }
}

export interface OpDef {
  attrs: Record<string, AttrType>;
  infer(ctx: InferCtx): ValueInfo[];
  /** The result depends only on static shapes and attributes (Shape, Size, Constant): always fold. */
  foldAlways?: boolean;
  /** Evaluate on constant inputs (for shape sub-graphs); absent where folding makes no sense. */
  fold?(inputs: (Tensor | null)[], ctx: InferCtx): Tensor[];
}
