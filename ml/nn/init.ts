// PyTorch's default initializations, drawn from the registry's seeded Rng.
import { randn, type Rng, uniform } from '../random.ts';
import { f32, sizeOf, type Tensor } from '../tensor.ts';

/**
 * nn.Linear / nn.Conv*d default: kaiming_uniform_(a=√5), which works out to U(−1/√fan_in, 1/√fan_in).
 * Biases use the same bound.
 */
export function kaimingUniform(shape: readonly number[], fanIn: number, rng: Rng): Tensor {
  const bound = fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0;
  return uniform(shape, rng, -bound, bound);
}

export const normal = (shape: readonly number[], rng: Rng, std = 1): Tensor => randn(shape, rng, std);

export const zeros = (shape: readonly number[]): Tensor => f32(shape);

export function ones(shape: readonly number[]): Tensor {
  const t = f32(shape);
  (t.data as Float32Array).fill(1);
  return t;
}

export function full(shape: readonly number[], v: number): Tensor {
  return f32(shape, new Float32Array(sizeOf(shape)).fill(v));
}
