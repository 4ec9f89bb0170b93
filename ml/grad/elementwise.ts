// Gradients of elementwise operators. Broadcast inputs get their gradient summed back to their shape;
// masks are applied with Where so that NaN or Inf in the unselected branch cannot leak into the result.
import type { Value } from '../builder.ts';
import { isFloat, ONNX_DTYPE, type DType } from '../dtype.ts';
import { foldElementwise } from '../ops/elementwise-fold.ts';
import type { GradCtx, GradRule } from './types.ts';
import { div, mul, neg, scalarLike, sub, sumToShape } from './util.ts';

const op = (name: string, inputs: Value[], attrs = {}) => inputs[0].b.op1(name, inputs, attrs);
const cast = (x: Value, to: DType) => (x.dtype === to ? x : op('Cast', [x], { to: ONNX_DTYPE[to] }));
/** g where cond holds, 0 elsewhere (broadcast to both shapes). */
// A product with the mask as 0/1 runs several times faster on onnxruntime than Where with a broadcast zero.
const masked = (cond: Value, g: Value) => op('Mul', [g, op('Cast', [cond], { to: ONNX_DTYPE[g.dtype] })]);

/** A rule for a one-input op whose input gradient is f(dy, x, y). */
const unary =
  (f: (dy: Value, x: Value, y: Value, c: GradCtx) => Value): GradRule =>
  (c) => [c.needs(0) ? f(c.dy()!, c.x(0), c.y(), c) : null];

/** The gradient g of a broadcasting op's input i, summed back to that input's shape (null when not needed). */
const toInput = (c: GradCtx, i: number, g: Value) => (c.needs(i) ? sumToShape(g, c.x(i).shape) : null);

/** e − 1; a constant exponent is folded here so that no unused constant 1 is left in the graph. */
function minusOne(e: Value): Value {
  const k = e.const;
  if (!k) return sub(e, scalarLike(e, 1));
  return e.b.constant(foldElementwise([k], e.dtype, { num: (a) => a - 1 }));
}

function pow(c: GradCtx): (Value | null)[] {
  const dy = c.dy()!;
  const x = c.x(0);
  const e = c.x(1);
  // d/dx x^e = e·x^(e−1); d/de x^e = x^e·ln x, defined for x > 0 only (0 elsewhere).
  let dx: Value | null = null;
  if (c.needs(0)) {
    const ex = cast(e, x.dtype); // the exponent may have another type (T1)
    dx = sumToShape(mul(dy, mul(ex, op('Pow', [x, minusOne(ex)]))), x.shape);
  }
  let de: Value | null = null;
  if (c.needs(1)) {
    const positive = op('Greater', [x, scalarLike(x, 0)]);
    const lnx = op('Where', [positive, op('Log', [x]), scalarLike(x, 0)]);
    de = cast(sumToShape(mul(dy, mul(c.y(), lnx)), e.shape), e.dtype);
  }
  return [dx, de];
}

/**
 * Clip sends each element's gradient to exactly one place, as the forward min(max(x, lo), hi) does:
 * to x where lo ≤ x ≤ hi, to lo where x < lo ≤ hi, and to hi for everything else.
 */
function clip(c: GradCtx): (Value | null)[] {
  const dy = c.dy()!;
  const x = c.x(0);
  const lo = c.has(1) ? c.x(1) : null;
  const hi = c.has(2) ? c.x(2) : null;
  const aboveLo = lo && op('GreaterOrEqual', [x, lo]);
  const belowHi = hi && op('LessOrEqual', [x, hi]);
  const toX = aboveLo && belowHi ? op('And', [aboveLo, belowHi]) : (aboveLo ?? belowHi);
  const needLo = !!lo && c.needs(1);
  const needHi = !!hi && c.needs(2);
  const belowLo = lo && (needLo || needHi) ? op('Not', [aboveLo!]) : null;
  const toLo = belowLo && hi ? op('And', [belowLo, op('LessOrEqual', [lo!, hi])]) : belowLo;
  const toHi = needHi ? op('Not', [toLo ? op('Or', [toX!, toLo]) : toX!]) : null;
  return [
    c.needs(0) ? (toX ? masked(toX, dy) : dy) : null,
    needLo ? sumToShape(masked(toLo!, dy), lo!.shape) : null,
    needHi ? sumToShape(masked(toHi!, dy), hi!.shape) : null,
  ];
}

/** Max/Min: the gradient goes to the first input that equals the result (ties go to the earliest). */
function winner(c: GradCtx): (Value | null)[] {
  const dy = c.dy()!;
  const y = c.y();
  const n = c.node.inputs.length;
  let last = -1;
  for (let i = 0; i < n; i++) if (c.needs(i)) last = i;
  const out: (Value | null)[] = new Array(n).fill(null);
  let taken: Value | null = null;
  for (let i = 0; i <= last; i++) {
    let won = op('Equal', [c.x(i), y]);
    if (taken) won = op('And', [won, op('Not', [taken])]);
    out[i] = toInput(c, i, masked(won, dy));
    if (i < last) taken = taken ? op('Or', [taken, won]) : won;
  }
  return out;
}

export const elementwiseRules: Record<string, GradRule> = {
  Identity: (c) => [c.dy()],
  Add: (c) => [toInput(c, 0, c.dy()!), toInput(c, 1, c.dy()!)],
  Sub: (c) => [toInput(c, 0, c.dy()!), c.needs(1) ? toInput(c, 1, neg(c.dy()!)) : null],
  Mul: (c) => [c.needs(0) ? toInput(c, 0, mul(c.dy()!, c.x(1))) : null, c.needs(1) ? toInput(c, 1, mul(c.dy()!, c.x(0))) : null],
  Div: (c) => [
    c.needs(0) ? toInput(c, 0, div(c.dy()!, c.x(1))) : null,
    c.needs(1) ? toInput(c, 1, neg(div(mul(c.dy()!, c.y()), c.x(1)))) : null,
  ],
  Neg: unary((dy) => neg(dy)),
  Abs: unary((dy, x) => mul(dy, op('Sign', [x]))),
  Pow: pow,
  Sqrt: unary((dy, _x, y) => div(mul(dy, scalarLike(dy, 0.5)), y)),
  Reciprocal: unary((dy, _x, y) => neg(mul(dy, mul(y, y)))),
  Exp: unary((dy, _x, y) => mul(dy, y)),
  Log: unary((dy, x) => div(dy, x)),
  Erf: unary((dy, x) => mul(dy, mul(scalarLike(x, 2 / Math.sqrt(Math.PI)), op('Exp', [neg(mul(x, x))])))),
  Relu: unary((dy, x) => masked(op('Greater', [x, scalarLike(x, 0)]), dy)),
  LeakyRelu: unary((dy, x, _y, c) =>
    op('Where', [op('Greater', [x, scalarLike(x, 0)]), dy, mul(dy, scalarLike(dy, c.attr('alpha', 0.01)))]),
  ),
  Sigmoid: unary((dy, _x, y) => mul(dy, mul(y, sub(scalarLike(y, 1), y)))),
  Tanh: unary((dy, _x, y) => mul(dy, sub(scalarLike(y, 1), mul(y, y)))),
  Softplus: unary((dy, x) => mul(dy, op('Sigmoid', [x]))),
  Clip: clip,
  // Only float inputs are differentiated (grad.ts never asks for others), so dy casts back to a float type.
  Cast: (c) => [c.needs(0) && isFloat(c.x(0).dtype) && c.dy() ? cast(c.dy()!, c.x(0).dtype) : null],
  Where: (c) => {
    const dy = c.dy()!;
    const cond = c.x(0);
    return [
      null,
      c.needs(1) ? toInput(c, 1, masked(cond, dy)) : null,
      c.needs(2) ? toInput(c, 2, op('Where', [cond, scalarLike(dy, 0), dy])) : null,
    ];
  },
  Sum: (c) => c.node.inputs.map((_, i) => toInput(c, i, c.dy()!)),
  Mean: (c) => {
    const g = div(c.dy()!, scalarLike(c.dy()!, c.node.inputs.length));
    return c.node.inputs.map((_, i) => toInput(c, i, g));
  },
  Max: winner,
  Min: winner,
};
