// Gradients of the softmax family and of layer/instance normalization, from standard ops only.
import type { Value } from '../builder.ts';
import { ONNX_DTYPE } from '../dtype.ts';
import { layerNormAxis } from '../ops/normalization.ts';
import type { GradCtx, GradRule } from './types.ts';
import { add, div, mul, reshape, scalarLike, sub, sumToShape } from './util.ts';

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);
const mean = (v: Value, axes: number[]) => v.b.op1('ReduceMean', [v], { axes, keepdims: 1 });
const sumKeep = (v: Value, axes: number[]) => v.b.op1('ReduceSum', [v, v.b.ints(axes)], { keepdims: 1 });

/** Centered input, 1/sqrt(var + ε) and x̂ over `axes`, computed the way the forward kernels do (biased variance). */
function moments(x: Value, axes: number[], epsilon: number) {
  const xc = sub(x, mean(x, axes));
  const variance = mean(mul(xc, xc), axes);
  const inv = div(scalarLike(x, 1), x.b.op1('Sqrt', [add(variance, scalarLike(x, epsilon))]));
  return { xc, inv, xhat: mul(xc, inv) };
}

/** dx of x̂ = (x − μ)·inv given g = ∂L/∂x̂: inv·(g − mean(g) − x̂·mean(g·x̂)). */
function normalizedBackward(g: Value, xhat: Value, inv: Value, axes: number[]): Value {
  return mul(inv, sub(sub(g, mean(g, axes)), mul(xhat, mean(mul(g, xhat), axes))));
}

/** A stat-typed gradient (Mean/InvStdDev under stash_type) brought to x's type. */
function asType(v: Value, like: Value): Value {
  return v.dtype === like.dtype ? v : v.b.op1('Cast', [v], { to: ONNX_DTYPE[like.dtype] });
}

const softmaxAxis = (c: GradCtx) => {
  const rank = c.x(0).rank;
  const a = c.attr('axis', -1);
  return a < 0 ? a + rank : a;
};

export const normalizationRules: Record<string, GradRule> = {
  // y = softmax(x): dx = y·(dy − Σ dy·y).
  Softmax: (c) => {
    const y = c.y();
    const dy = c.dy()!;
    return [mul(y, sub(dy, sumKeep(mul(dy, y), [softmaxAxis(c)])))];
  },
  // y = x − logΣexp(x): dx = dy − exp(y)·Σ dy.
  LogSoftmax: (c) => {
    const dy = c.dy()!;
    return [sub(dy, mul(c.b.op1('Exp', [c.y()]), sumKeep(dy, [softmaxAxis(c)])))];
  },

  // Y = x̂·Scale + B; the optional Mean and InvStdDev outputs contribute too when they are used.
  LayerNormalization: (c) => {
    const x = c.x(0);
    const axis = layerNormAxis(c, c.attr('axis', -1), x.rank);
    const axes = range(axis, x.rank);
    const count = x.shape.slice(axis).reduce((p, d) => p * d, 1);
    const { inv, xhat } = moments(x, axes, c.attr('epsilon', 1e-5));
    const dy = c.dy(0);

    let dx: Value | null = dy && c.needs(0) ? normalizedBackward(mul(dy, c.x(1)), xhat, inv, axes) : null;
    // μ = mean(x): ∂μ/∂x = 1/M.  inv = (var + ε)^-½: ∂inv/∂x = −inv³·(x − μ)/M = −inv²·x̂/M.
    const dMean = c.dy(1) ? asType(c.dy(1)!, x) : null;
    const dInv = c.dy(2) ? asType(c.dy(2)!, x) : null;
    if (c.needs(0) && (dMean || dInv)) {
      let s: Value | null = dMean;
      if (dInv) {
        const t = mul(mul(dInv, mul(inv, inv)), xhat);
        s = s ? sub(s, t) : c.b.op1('Neg', [t]);
      }
      const extra = div(s!, scalarLike(x, count));
      dx = dx ? add(dx, extra) : c.b.op1('Expand', [extra, c.b.ints(x.shape)]);
    }
    return [
      dx,
      c.needs(1) && dy ? sumToShape(mul(dy, xhat), c.x(1).shape) : null,
      c.has(2) && c.needs(2) && dy ? sumToShape(dy, c.x(2).shape) : null,
    ];
  },

  // As LayerNormalization over the spatial axes, with per-channel scale and bias.
  InstanceNormalization: (c) => {
    const x = c.x(0);
    const dy = c.dy()!;
    const spatial = range(2, x.rank);
    const perChannel = [x.shape[1], ...spatial.map(() => 1)];
    const { inv, xhat } = moments(x, spatial, c.attr('epsilon', 1e-5));
    const sumOverChannel = (v: Value) => c.b.op1('ReduceSum', [v, c.b.ints([0, ...spatial])], { keepdims: 0 });
    return [
      c.needs(0) ? normalizedBackward(mul(dy, reshape(c.x(1), perChannel)), xhat, inv, spatial) : null,
      c.needs(1) ? sumOverChannel(mul(dy, xhat)) : null,
      c.needs(2) ? sumOverChannel(dy) : null,
    ];
  },
};
