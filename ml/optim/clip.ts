// Gradient clipping, applied to the gradients in place before an optimizer step.
import { clipScale, type ParamMap } from './optimizer.ts';

/** L2 norm of all gradients taken together (accumulated in float64, so no overflow from f32 squares). */
export function globalNorm(grads: ParamMap): number {
  let s = 0;
  for (const name in grads) {
    const g = grads[name];
    for (let i = 0; i < g.length; i++) s += g[i] * g[i];
  }
  return Math.sqrt(s);
}

/**
 * Scale all gradients by maxNorm / norm when their global norm exceeds maxNorm (the 1e-6 guard is
 * PyTorch's). Returns the norm before clipping, for logging. A non-finite norm is returned as is and
 * the gradients are left untouched, so the optimizer's step refuses them rather than zeroing them.
 * An optimizer's `maxGradNorm` does the same without these two extra passes over the gradients.
 */
export function clipGradNorm(grads: ParamMap, maxNorm: number): number {
  if (!(maxNorm >= 0)) throw new Error(`clipGradNorm: maxNorm ${maxNorm} is not a non-negative number`);
  const norm = globalNorm(grads);
  const scale = clipScale(norm, maxNorm);
  if (scale < 1)
    for (const name in grads) {
      const g = grads[name];
      for (let i = 0; i < g.length; i++) g[i] *= scale;
    }
  return norm;
}

/** Clamp every gradient element into [−limit, limit]. NaN stays NaN, for the step to refuse. */
export function clipGradValue(grads: ParamMap, limit: number): void {
  if (!(limit >= 0)) throw new Error(`clipGradValue: limit ${limit} is not a non-negative number`);
  for (const name in grads) {
    const g = grads[name];
    for (let i = 0; i < g.length; i++) {
      if (g[i] > limit) g[i] = limit;
      else if (g[i] < -limit) g[i] = -limit;
    }
  }
}
