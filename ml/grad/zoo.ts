// Gradients of the model-zoo operators (ops/zoo.ts): inference BatchNormalization, LRN, the
// remaining activations, Einsum, CumSum, Trilu and the element-indexed scatters and gathers.
import type { Value } from '../builder.ts';
import { ONNX_DTYPE } from '../dtype.ts';
import { einsumEquation, parseEinsum } from '../ops/einsum.ts';
import { tensor } from '../tensor.ts';
import { zerosLike } from './shape-helpers.ts';
import type { GradCtx, GradRule } from './types.ts';
import { add, div, mul, neg, reshape, scalarLike, sub, sumToShape } from './util.ts';

const op = (name: string, inputs: (Value | null)[], attrs = {}) => inputs.find((v) => v)!.b.op1(name, inputs, attrs);
/** g where cond holds, 0 elsewhere. */
const masked = (cond: Value, g: Value) => mul(g, op('Cast', [cond], { to: ONNX_DTYPE[g.dtype] }));
const k = scalarLike;

const unary =
  (f: (dy: Value, x: Value, y: Value, c: GradCtx) => Value): GradRule =>
  (c) => [c.needs(0) ? f(c.dy()!, c.x(0), c.y(), c) : null];

/** Y = (X − mean)·inv·scale + B with inv = 1/sqrt(var + ε), per channel. */
const batchNorm: GradRule = (c) => {
  const x = c.x(0);
  const dy = c.dy()!;
  const ch = x.shape[1];
  const col = (v: Value) => reshape(v, [ch, ...x.shape.slice(2).map(() => 1)]);
  const inv = op('Reciprocal', [op('Sqrt', [add(c.x(4), k(x, c.attr('epsilon', 1e-5)))])]);
  const scale = c.x(1);
  const axes = x.shape.map((_, i) => i).filter((i) => i !== 1);
  const perChannel = (v: Value) => op('ReduceSum', [v, c.b.ints(axes)], { keepdims: 0 });
  const needStats = c.needs(1) || c.needs(4);
  const xhat = needStats ? mul(sub(x, col(c.x(3))), col(inv)) : null;
  const dyXhat = needStats ? perChannel(mul(dy, xhat!)) : null;
  const dB = c.needs(2) || c.needs(3) ? perChannel(dy) : null;
  return [
    c.needs(0) ? mul(dy, col(mul(scale, inv))) : null,
    c.needs(1) ? dyXhat : null,
    c.needs(2) ? dB : null,
    c.needs(3) ? neg(mul(dB!, mul(scale, inv))) : null,
    c.needs(4) ? mul(dyXhat!, mul(scale, mul(mul(inv, inv), k(x, -0.5)))) : null,
  ];
};

/**
 * Sum over a window of `size` channels around each channel, as LRN takes it: channels
 * [c − ⌊(size−1)/2⌋, c + ⌈(size−1)/2⌉]. A Conv of ones along the channel axis; `adjoint`
 * swaps the window's sides, which is its transpose.
 */
function channelWindowSum(v: Value, size: number, adjoint: boolean): Value {
  const b = v.b;
  const [n, ch] = v.shape;
  const rest = v.size / (n * ch);
  const lo = Math.floor((size - 1) / 2);
  const hi = size - 1 - lo;
  const ones = tensor(v.dtype, [1, 1, size, 1]);
  (ones.data as Float32Array).fill(1);
  const pads = adjoint ? [hi, 0, lo, 0] : [lo, 0, hi, 0];
  const s = b.op1('Conv', [reshape(v, [n, 1, ch, rest]), b.constant(ones)], { kernel_shape: [size, 1], pads });
  return reshape(s, v.shape);
}

/** y = x·d^−β with d = bias + α/size·W(x²): dx = dy·d^−β + 2x·Wᵀ(−β·α/size · dy·x·d^−β/d). */
const lrn: GradRule = (c) => {
  if (!c.needs(0)) return [null];
  const x = c.x(0);
  const dy = c.dy()!;
  const size = c.attr('size', 1);
  const [alpha, beta, bias] = [c.attr('alpha', 1e-4), c.attr('beta', 0.75), c.attr('bias', 1)];
  const d = add(k(x, bias), mul(k(x, alpha / size), channelWindowSum(mul(x, x), size, false)));
  const dPow = op('Pow', [d, k(x, -beta)]);
  const inner = mul(k(x, (-beta * alpha) / size), div(mul(mul(dy, x), dPow), d));
  return [add(mul(dy, dPow), mul(mul(k(x, 2), x), channelWindowSum(inner, size, true)))];
};

const prelu: GradRule = (c) => {
  const x = c.x(0);
  const dy = c.dy()!;
  const neg_ = op('Less', [x, k(x, 0)]);
  return [
    c.needs(0) ? op('Where', [neg_, sumToShape(mul(dy, c.x(1)), x.shape), dy]) : null,
    c.needs(1) ? sumToShape(masked(neg_, mul(dy, x)), c.x(1).shape) : null,
  ];
};

/** Einsum's gradient for operand i is another einsum: dy with the other operands, to operand i's subscripts. */
const einsum: GradRule = (c) => {
  const xs = c.node.inputs.map((_, i) => c.x(i));
  const e = parseEinsum(c.attr('equation', ''), xs.map((x) => x.shape), (m) => c.fail(m));
  const dy = c.dy()!;
  return xs.map((x, i) => {
    if (!c.needs(i)) return null;
    const mine = e.inputs[i];
    if (new Set(mine).size !== mine.length) c.fail(`operand ${i} repeats a subscript (a diagonal), which has no gradient here`);
    if (mine.some((l, j) => x.shape[j] !== e.dims.get(l))) c.fail(`operand ${i} is broadcast under "...", which has no gradient here`);
    const others = e.inputs.filter((_, j) => j !== i);
    const elsewhere = new Set([...e.output, ...others.flat()]);
    const kept = mine.filter((l) => elsewhere.has(l));
    const ops = [dy, ...xs.filter((_, j) => j !== i)];
    let g = kept.length || ops.length ? c.b.op1('Einsum', ops, { equation: einsumEquation([e.output, ...others], kept) }) : dy;
    // Subscripts only operand i has were summed away: the gradient is the same along them.
    if (kept.length !== mine.length) {
      g = reshape(g, mine.map((l) => (elsewhere.has(l) ? e.dims.get(l)! : 1)));
      g = c.b.op1('Expand', [g, c.b.ints(x.shape)]);
    }
    return g;
  });
};

/** Scatters' updates overwrite (none) or add into (add) data; the gradient follows the same positions. */
function scatterRule(gather: string, scatter: string, withAxis: boolean): GradRule {
  return (c) => {
    const dy = c.dy()!;
    const red = c.attr<string>('reduction', 'none');
    if (red !== 'none' && red !== 'add') c.fail(`reduction "${red}" has no gradient`);
    const attrs = withAxis ? { axis: c.attr('axis', 0) } : {};
    const idx = c.x(1);
    const upd = c.x(2);
    const dData = !c.needs(0) ? null : red === 'add' ? dy : c.b.op1(scatter, [dy, idx, zerosLike(upd, upd.shape)], attrs);
    return [dData, null, c.needs(2) ? c.b.op1(gather, [dy, idx], attrs) : null];
  };
}

/** Gathers: each picked element's gradient is added back where it came from. */
function gatherRule(scatter: string, withAxis: boolean): GradRule {
  return (c) => {
    if (!c.needs(0)) return [null, null];
    const x = c.x(0);
    const attrs = withAxis ? { axis: c.attr('axis', 0) } : {};
    return [c.b.op1(scatter, [zerosLike(x, x.shape), c.x(1), c.dy()!], { ...attrs, reduction: 'add' }), null];
  };
}

export const zooRules: Record<string, GradRule> = {
  BatchNormalization: batchNorm,
  LRN: lrn,
  PRelu: prelu,
  Elu: unary((dy, x, y, c) => op('Where', [op('Less', [x, k(x, 0)]), mul(dy, add(y, k(x, c.attr('alpha', 1)))), dy])),
  Selu: unary((dy, x, y, c) => {
    const [alpha, gamma] = [c.attr('alpha', 1.67326319217681884765625), c.attr('gamma', 1.05070102214813232421875)];
    return op('Where', [op('Greater', [x, k(x, 0)]), mul(dy, k(x, gamma)), mul(dy, add(y, k(x, gamma * alpha)))]);
  }),
  HardSigmoid: unary((dy, x, _y, c) => {
    const alpha = c.attr('alpha', 0.2);
    const z = add(mul(x, k(x, alpha)), k(x, c.attr('beta', 0.5)));
    const inside = op('And', [op('Greater', [z, k(x, 0)]), op('Less', [z, k(x, 1)])]);
    return masked(inside, mul(dy, k(x, alpha)));
  }),
  // y = x·clip(x/6 + 1/2, 0, 1): slope x/3 + 1/2 inside (−3, 3), 1 above, 0 below.
  HardSwish: unary((dy, x) => {
    const inside = op('And', [op('Greater', [x, k(x, -3)]), op('Less', [x, k(x, 3)])]);
    const slope = add(masked(inside, add(mul(x, k(x, 1 / 3)), k(x, 0.5))), op('Cast', [op('GreaterOrEqual', [x, k(x, 3)])], { to: ONNX_DTYPE[x.dtype] }));
    return mul(dy, slope);
  }),
  Softsign: unary((dy, x) => {
    const d = add(k(x, 1), op('Abs', [x]));
    return div(dy, mul(d, d));
  }),
  Einsum: einsum,
  CumSum: (c) => [
    c.needs(0) ? c.b.op1('CumSum', [c.dy()!, c.x(1)], { exclusive: c.attr('exclusive', 0), reverse: c.attr('reverse', 0) ? 0 : 1 }) : null,
    null,
  ],
  Trilu: (c) => [c.needs(0) ? c.b.op1('Trilu', [c.dy()!, c.has(1) ? c.x(1) : null], { upper: c.attr('upper', 1) }) : null, null],
  GatherElements: gatherRule('ScatterElements', true),
  GatherND: gatherRule('ScatterND', false),
  ScatterElements: scatterRule('GatherElements', 'ScatterElements', true),
  ScatterND: scatterRule('GatherND', 'ScatterND', false),
};
