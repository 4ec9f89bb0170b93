// Stochastic gradient descent with optional momentum (heavy-ball or Nesterov) and L2 weight decay,
// with PyTorch's conventions so hyperparameters carry over:
//   d = g + wd·p;  buf = d on the first step, else μ·buf + (1 − dampening)·d;
//   d = nesterov ? d + μ·buf : buf;  p −= lr·d
import { OptimizerError, StatefulOptimizer } from './optimizer.ts';

export interface SgdOptions {
  lr: number;
  momentum?: number;
  dampening?: number;
  nesterov?: boolean;
  weightDecay?: number;
  /** Clip the gradients to this global L2 norm first. */
  maxGradNorm?: number;
}

export class Sgd extends StatefulOptimizer {
  readonly momentum: number;
  readonly dampening: number;
  readonly nesterov: boolean;
  readonly weightDecay: number;

  constructor(opts: SgdOptions) {
    const { lr, momentum = 0, dampening = 0, nesterov = false, weightDecay = 0, maxGradNorm } = opts;
    super(lr, momentum !== 0 ? ['momentum_buffer'] : [], maxGradNorm);
    if (!(momentum >= 0 && momentum < 1)) throw new OptimizerError(`SGD momentum ${momentum} is not in [0, 1)`);
    if (!(weightDecay >= 0)) throw new OptimizerError(`SGD weight decay ${weightDecay} is negative`);
    // Nesterov's look-ahead is only defined for undamped momentum.
    if (nesterov && (momentum === 0 || dampening !== 0)) throw new OptimizerError('Nesterov SGD needs momentum > 0 and dampening 0');
    this.momentum = momentum;
    this.dampening = dampening;
    this.nesterov = nesterov;
    this.weightDecay = weightDecay;
  }

  protected update(name: string, p: Float32Array, g: Float32Array, t: number, scale: number): void {
    const { lr, momentum: mu, weightDecay: wd, nesterov } = this;
    if (mu === 0) {
      for (let i = 0; i < p.length; i++) p[i] -= lr * (g[i] * scale + wd * p[i]);
      return;
    }
    const buf = this.buffer('momentum_buffer', name, p.length);
    const keep = t === 1 ? 0 : mu;
    const add = t === 1 ? 1 : 1 - this.dampening;
    for (let i = 0; i < p.length; i++) {
      const d = g[i] * scale + wd * p[i];
      buf[i] = keep * buf[i] + add * d;
      p[i] -= lr * (nesterov ? d + mu * buf[i] : buf[i]);
    }
  }
}
