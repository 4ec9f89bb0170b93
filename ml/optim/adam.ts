// Adam (Kingma & Ba) with bias correction, and AdamW (Loshchilov & Hutter), following PyTorch:
//   Adam:  g += wd·p (L2, so the decay is rescaled by the adaptive denominator)
//   AdamW: p *= 1 − lr·wd (decoupled, independent of the gradient scale)
//   m = β1·m + (1−β1)·g;  v = β2·v + (1−β2)·g²
//   p −= lr/(1−β1^t) · m / (sqrt(v)/sqrt(1−β2^t) + eps)
// On the first step m̂ = g and sqrt(v̂) = |g|, so every parameter moves by about lr·sign(g).
import { OptimizerError, StatefulOptimizer } from './optimizer.ts';

export interface AdamOptions {
  lr?: number;
  betas?: readonly [number, number];
  eps?: number;
  weightDecay?: number;
  /** Clip the gradients to this global L2 norm first. */
  maxGradNorm?: number;
}

export class Adam extends StatefulOptimizer {
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  readonly weightDecay: number;
  /** True for AdamW. */
  readonly decoupled: boolean;

  constructor(opts: AdamOptions = {}, decoupled = false) {
    const { lr = 1e-3, betas = [0.9, 0.999], eps = 1e-8, weightDecay = decoupled ? 1e-2 : 0, maxGradNorm } = opts;
    super(lr, ['exp_avg', 'exp_avg_sq'], maxGradNorm);
    const [b1, b2] = betas;
    if (!(b1 >= 0 && b1 < 1 && b2 >= 0 && b2 < 1)) throw new OptimizerError(`Adam betas [${betas}] are not in [0, 1)`);
    if (!(eps >= 0)) throw new OptimizerError(`Adam eps ${eps} is negative`);
    if (!(weightDecay >= 0)) throw new OptimizerError(`Adam weight decay ${weightDecay} is negative`);
    this.beta1 = b1;
    this.beta2 = b2;
    this.eps = eps;
    this.weightDecay = weightDecay;
    this.decoupled = decoupled;
  }

  protected update(name: string, p: Float32Array, g: Float32Array, t: number, scale: number): void {
    const { lr, beta1: b1, beta2: b2, eps } = this;
    const m = this.buffer('exp_avg', name, p.length);
    const v = this.buffer('exp_avg_sq', name, p.length);
    const l2 = this.decoupled ? 0 : this.weightDecay;
    const decay = this.decoupled ? 1 - lr * this.weightDecay : 1;
    const stepSize = lr / (1 - b1 ** t);
    const invBc2Sqrt = 1 / Math.sqrt(1 - b2 ** t);
    const c1 = 1 - b1;
    const c2 = 1 - b2;
    // The hot loop of every training run (14 M weights in the pack's denoiser): constants hoisted,
    // one division per element, each array read once. The moments are stored in float32 and the
    // update uses them unrounded (PyTorch rounds first: a difference below one float32 ulp of the
    // step); clipping's factor is applied as the gradient is read.
    const n = p.length;
    for (let i = 0; i < n; i++) {
      const pi = p[i];
      const gi = g[i] * scale + l2 * pi;
      const mi = (m[i] = b1 * m[i] + c1 * gi);
      const vi = (v[i] = b2 * v[i] + c2 * gi * gi);
      p[i] = pi * decay - (stepSize * mi) / (Math.sqrt(vi) * invBc2Sqrt + eps);
    }
  }
}

/** Adam with decoupled weight decay (default 0.01, as in PyTorch). */
export class AdamW extends Adam {
  constructor(opts: AdamOptions = {}) {
    super(opts, true);
  }
}
