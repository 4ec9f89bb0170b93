// Elementwise operators: broadcasting arithmetic, unary math, activations, comparisons and logic.
import { dtypeFromOnnx, type DType } from '../dtype.ts';
import type { ValueInfo } from '../ir.ts';
import type { Tensor } from '../tensor.ts';
import { foldCast, foldElementwise, roundHalfEven, type Kernel } from './elementwise-fold.ts';
import type { InferCtx, OpDef } from './types.ts';
import { broadcastShapes } from './util.ts';

const FLOATS: readonly DType[] = ['float32', 'float16', 'float64'];
const SIGNED: readonly DType[] = [...FLOATS, 'int64', 'int32', 'int8'];
const NUMERIC: readonly DType[] = [...SIGNED, 'uint8'];
const ANY: readonly DType[] = [...NUMERIC, 'bool'];
const BOOL: readonly DType[] = ['bool'];

function checkType(ctx: InferCtx, i: number, allowed: readonly DType[]): ValueInfo {
  const v = ctx.in(i);
  if (!allowed.includes(v.dtype)) ctx.fail(`input ${i} is ${v.dtype}; expected ${allowed.join(' or ')}`);
  return v;
}

/** Broadcast shape of the given (present) inputs, or a build-time failure naming them. */
function broadcastAll(ctx: InferCtx, ins: readonly ValueInfo[]): number[] {
  let shape: number[] = [];
  for (const v of ins) {
    const s = broadcastShapes(shape, v.shape);
    if (!s) ctx.fail(`shapes ${ins.map((i) => `[${i.shape}]`).join(' and ')} do not broadcast`);
    shape = s;
  }
  return shape;
}

/** All present inputs share one dtype from `types`; shapes broadcast. */
function inferSameType(ctx: InferCtx, types: readonly DType[], outDtype?: DType): ValueInfo[] {
  if (!ctx.inputs.some((v) => v)) ctx.fail('needs at least one input');
  const ins = ctx.inputs.flatMap((v, i) => (v ? [checkType(ctx, i, types)] : []));
  if (ins.some((v) => v.dtype !== ins[0].dtype)) ctx.fail(`inputs have different types: ${ins.map((i) => i.dtype).join(', ')}`);
  return [{ dtype: outDtype ?? ins[0].dtype, shape: broadcastAll(ctx, ins) }];
}

interface ElementwiseSpec {
  types: readonly DType[];
  /** Output dtype when it is not the inputs' (comparisons give bool). */
  out?: DType;
  attrs?: OpDef['attrs'];
  /** The function folded at build time; absent for ops that never meet constants in practice. */
  kernel?: (ctx: InferCtx) => Kernel;
}

function elementwiseOp(spec: ElementwiseSpec): OpDef {
  const { kernel } = spec;
  return {
    attrs: spec.attrs ?? {},
    infer: (ctx) => inferSameType(ctx, spec.types, spec.out),
    fold: kernel ? (ins, ctx) => [foldElementwise(ins, spec.out ?? ctx.in(0).dtype, kernel(ctx))] : undefined,
  };
}

const k = (num: Kernel['num'], big?: Kernel['big']) => () => ({ num, big });
const float = (f: (x: number) => number, attrs?: OpDef['attrs']) => elementwiseOp({ types: FLOATS, kernel: k(f), attrs });
const compare = (types: readonly DType[], f: (a: number, b: number) => boolean, g: (a: bigint, b: bigint) => boolean) =>
  elementwiseOp({ types, out: 'bool', kernel: k(f as Kernel['num'], g as Kernel['big']) });
const logic = (f: (...xs: number[]) => boolean) => elementwiseOp({ types: BOOL, kernel: k(f) });

function divKernel(ctx: InferCtx): Kernel {
  const int = !FLOATS.includes(ctx.in(0).dtype);
  return {
    num: (a, b) => {
      if (int && b === 0) ctx.fail('integer division by zero in a constant');
      return int ? Math.trunc(a / b) : a / b;
    },
    big: (a, b) => {
      if (b === 0n) ctx.fail('integer division by zero in a constant');
      return a / b;
    },
  };
}

/** fmod=0 takes the divisor's sign (Python %), fmod=1 the dividend's (C fmod); floats require fmod=1. */
function modKernel(ctx: InferCtx): Kernel {
  const fmod = ctx.attr<number>('fmod', 0);
  const int = !FLOATS.includes(ctx.in(0).dtype); // a float modulo by zero is NaN, an integer one an error
  function mod<T extends number | bigint>(a: T, b: T, z: T): T {
    if (int && b === z) ctx.fail('modulo by zero in a constant');
    let r = (a % (b as never)) as T;
    if (!fmod && r !== z && r < z !== b < z) r = ((r as never) + (b as never)) as T;
    return r;
  }
  return { num: (a, b) => mod(a, b, 0), big: (a, b) => mod(a, b, 0n) };
}

/** Clip's min and max are optional inputs, so the folded arguments depend on which are present. */
function clipKernel(ctx: InferCtx): Kernel {
  const hasLo = !!ctx.inputs[1];
  const hasHi = !!ctx.inputs[2];
  function clip<T extends number | bigint>(x: T, r: T[]): T {
    const lo = hasLo ? r[0] : undefined;
    const hi = hasHi ? r[hasLo ? 1 : 0] : undefined;
    let y = x;
    if (lo !== undefined && y < lo) y = lo;
    if (hi !== undefined && y > hi) y = hi;
    return y;
  }
  return { num: (x, ...r) => clip(x, r), big: (x, ...r) => clip(x, r) };
}

function inferClip(ctx: InferCtx): ValueInfo[] {
  const x = checkType(ctx, 0, NUMERIC);
  for (const i of [1, 2]) {
    const b = ctx.inputs[i];
    if (!b) continue;
    if (b.dtype !== x.dtype) ctx.fail(`${i === 1 ? 'min' : 'max'} is ${b.dtype} but the input is ${x.dtype}`);
    // ORT accepts a scalar or a one-element vector.
    if (b.shape.length > 1 || (b.shape.length === 1 && b.shape[0] !== 1))
      ctx.fail(`${i === 1 ? 'min' : 'max'} must be a scalar, got shape [${b.shape}]`);
  }
  return [{ dtype: x.dtype, shape: [...x.shape] }];
}

function inferWhere(ctx: InferCtx): ValueInfo[] {
  const cond = checkType(ctx, 0, BOOL);
  const x = checkType(ctx, 1, ANY);
  const y = checkType(ctx, 2, ANY);
  if (x.dtype !== y.dtype) ctx.fail(`X is ${x.dtype} but Y is ${y.dtype}`);
  return [{ dtype: x.dtype, shape: broadcastAll(ctx, [cond, x, y]) }];
}

function castTarget(ctx: InferCtx): DType {
  const to = ctx.attr<number>('to');
  if (to === undefined) ctx.fail('attribute "to" is required');
  try {
    return dtypeFromOnnx(to);
  } catch {
    return ctx.fail(`cannot cast to ONNX element type ${to}`);
  }
}

const identity: OpDef = {
  attrs: {},
  infer: (ctx) => [{ dtype: ctx.in(0).dtype, shape: [...ctx.in(0).shape] }],
  fold: (ins) => [{ dtype: ins[0]!.dtype, shape: [...ins[0]!.shape], data: ins[0]!.data.slice() } as Tensor],
};

const sigmoid = (x: number) => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x)));

export const elementwise: Record<string, OpDef> = {
  Identity: identity,

  // Broadcasting arithmetic.
  Add: elementwiseOp({ types: NUMERIC, kernel: k((a, b) => a + b, (a, b) => a + b) }),
  Sub: elementwiseOp({ types: NUMERIC, kernel: k((a, b) => a - b, (a, b) => a - b) }),
  Mul: elementwiseOp({ types: NUMERIC, kernel: k((a, b) => a * b, (a, b) => a * b) }),
  Div: elementwiseOp({ types: NUMERIC, kernel: divKernel }),
  Mod: {
    ...elementwiseOp({ types: NUMERIC, attrs: { fmod: 'int' }, kernel: modKernel }),
    infer: (ctx) => {
      const out = inferSameType(ctx, NUMERIC);
      if (FLOATS.includes(out[0].dtype) && ctx.attr<number>('fmod', 0) !== 1) ctx.fail('floating-point Mod needs fmod=1');
      return out;
    },
  },
  Pow: {
    // Base and exponent may differ in type (T, T1); the result has the base's.
    attrs: {},
    infer: (ctx) => {
      const base = checkType(ctx, 0, [...FLOATS, 'int64', 'int32']);
      const e = checkType(ctx, 1, NUMERIC);
      return [{ dtype: base.dtype, shape: broadcastAll(ctx, [base, e]) }];
    },
    fold: (ins, ctx) => [foldElementwise(ins, ctx.in(0).dtype, { num: Math.pow })],
  },

  // Variadic, broadcasting.
  Sum: elementwiseOp({ types: FLOATS, kernel: k((...xs) => xs.reduce((a, b) => a + b)) }),
  Mean: elementwiseOp({ types: FLOATS, kernel: k((...xs) => xs.reduce((a, b) => a + b) / xs.length) }),
  Max: elementwiseOp({ types: NUMERIC, kernel: k(Math.max, (...xs) => xs.reduce((a, b) => (b > a ? b : a))) }),
  Min: elementwiseOp({ types: NUMERIC, kernel: k(Math.min, (...xs) => xs.reduce((a, b) => (b < a ? b : a))) }),

  // Unary math.
  Neg: elementwiseOp({ types: SIGNED, kernel: k((a) => -a, (a) => -a) }),
  Abs: elementwiseOp({ types: NUMERIC, kernel: k(Math.abs, (a) => (a < 0n ? -a : a)) }),
  Sign: elementwiseOp({ types: NUMERIC, kernel: k(Math.sign, (a) => (a > 0n ? 1n : a < 0n ? -1n : 0n)) }),
  Sqrt: float(Math.sqrt),
  Reciprocal: float((x) => 1 / x),
  Exp: float(Math.exp),
  Log: float(Math.log),
  Erf: elementwiseOp({ types: FLOATS }),
  Floor: float(Math.floor),
  Ceil: float(Math.ceil),
  Round: float(roundHalfEven),

  // Activations.
  Relu: elementwiseOp({ types: SIGNED, kernel: k((x) => (x > 0 ? x : 0), (x) => (x > 0n ? x : 0n)) }),
  LeakyRelu: elementwiseOp({
    types: FLOATS,
    attrs: { alpha: 'float' },
    kernel: (ctx) => {
      const alpha = ctx.attr<number>('alpha', 0.01);
      return { num: (x) => (x >= 0 ? x : alpha * x) };
    },
  }),
  Sigmoid: float(sigmoid),
  Tanh: float(Math.tanh),
  Softplus: float((x) => (x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x)))),
  Clip: { attrs: {}, infer: inferClip, fold: (ins, ctx) => [foldElementwise(ins, ctx.in(0).dtype, clipKernel(ctx))] },

  // Types and selection.
  Cast: {
    attrs: { to: 'int', saturate: 'int' },
    infer: (ctx) => [{ dtype: castTarget(ctx), shape: [...ctx.in(0).shape] }],
    fold: (ins, ctx) => [foldCast(ins[0]!, castTarget(ctx))],
  },
  Where: {
    attrs: {},
    infer: inferWhere,
    fold: (ins, ctx) => [foldElementwise(ins, ctx.in(1).dtype, { num: (c, x, y) => (c ? x : y), big: (c, x, y) => (c ? x : y) })],
  },

  // Comparisons (bool results).
  Equal: compare(ANY, (a, b) => a === b, (a, b) => a === b),
  Less: compare(NUMERIC, (a, b) => a < b, (a, b) => a < b),
  Greater: compare(NUMERIC, (a, b) => a > b, (a, b) => a > b),
  LessOrEqual: compare(NUMERIC, (a, b) => a <= b, (a, b) => a <= b),
  GreaterOrEqual: compare(NUMERIC, (a, b) => a >= b, (a, b) => a >= b),
  IsNaN: elementwiseOp({ types: FLOATS, out: 'bool', kernel: k(Number.isNaN) }),
  IsInf: elementwiseOp({
    types: FLOATS,
    out: 'bool',
    attrs: { detect_negative: 'int', detect_positive: 'int' },
    kernel: (ctx) => {
      const neg = ctx.attr<number>('detect_negative', 1) !== 0;
      const pos = ctx.attr<number>('detect_positive', 1) !== 0;
      return { num: (x) => (x === Infinity && pos) || (x === -Infinity && neg) };
    },
  }),

  // Logic.
  Not: logic((a) => !a),
  And: logic((a, b) => !!a && !!b),
  Or: logic((a, b) => !!a || !!b),
  Xor: logic((a, b) => !!a !== !!b),
};
