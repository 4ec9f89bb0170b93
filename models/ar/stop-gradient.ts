// stop_gradient(x) in standard ONNX operators, for the straight-through estimators of the
// quantizers. The engine's `grad` has no marker for "treat as constant"; it does treat Round as
// having no gradient, and a float32 value scaled by 2^64 is already an integer (so Round returns it
// unchanged) whenever |x| ≥ 2^−41. Scaling by a power of two is exact, so
//   Round(x · 2^64) · 2^−64
// is bit-identical to x for 2^−41 ≤ |x| < 2^64, differs by at most 2^−65 below that, and carries no
// gradient. The quantizers only use it on values of order one.
import type { Value } from '../../ml/index.ts';

const SCALE = 2 ** 64;

/** x in the forward pass, a constant to the gradient. */
export function stopGradient(x: Value): Value {
  if (x.dtype !== 'float32') throw new Error(`stopGradient: ${x.name} is ${x.dtype}; only float32 is exact under the 2^64 scaling`);
  const b = x.b;
  const scaled = b.op1('Round', [b.op1('Mul', [x, b.scalar(SCALE)])]);
  return b.op1('Mul', [scaled, b.scalar(1 / SCALE)]);
}
