// Activations built from standard operators, so that any runtime and the gradient walk handle them.
import type { Value } from '../builder.ts';

/** SiLU / swish: x·σ(x). */
export function silu(x: Value): Value {
  return x.b.op1('Mul', [x, x.b.op1('Sigmoid', [x])]);
}

/**
 * GELU. 'none' is the exact 0.5·x·(1 + erf(x/√2)) (PyTorch's default); 'tanh' is
 * 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))). Gelu itself is an opset-20 operator, too new for opset 17.
 */
export function gelu(x: Value, approximate: 'none' | 'tanh' = 'none'): Value {
  const b = x.b;
  const c = (v: number) => b.scalar(v, x.dtype);
  let inner: Value;
  if (approximate === 'tanh') {
    const x3 = b.op1('Mul', [b.op1('Mul', [x, x]), x]);
    const u = b.op1('Mul', [c(Math.sqrt(2 / Math.PI)), b.op1('Add', [x, b.op1('Mul', [c(0.044715), x3])])]);
    inner = b.op1('Tanh', [u]);
  } else inner = b.op1('Erf', [b.op1('Mul', [x, c(Math.SQRT1_2)])]);
  return b.op1('Mul', [b.op1('Mul', [x, c(0.5)]), b.op1('Add', [inner, c(1)])]);
}
