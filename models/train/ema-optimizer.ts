// AdamW with global-norm clipping and an exponential moving average of the weights, as one
// Optimizer: the shared training loop saves optimizer.state() in every checkpoint, so keeping the
// EMA in that state makes it resume with everything else. The EMA warms up as (1 + n)/(10 + n)
// (capped at the decay), so early averages are not dominated by the random initialization.
import { AdamW, f32, type Optimizer, type Tensor } from '../../ml/index.ts';

const EMA = 'ema/';
const COUNT = 'ema_count';

export interface EmaOptimizerOptions {
  lr: number;
  weightDecay: number;
  clipNorm: number;
  emaDecay: number;
}

export class EmaOptimizer implements Optimizer {
  private readonly adam: AdamW;
  private ema = new Map<string, Float32Array>();
  private updates = 0;
  constructor(private readonly o: EmaOptimizerOptions) {
    this.adam = new AdamW({ lr: o.lr, weightDecay: o.weightDecay, maxGradNorm: o.clipNorm });
  }

  get lr(): number {
    return this.adam.lr;
  }
  set lr(v: number) {
    this.adam.lr = v;
  }

  /** Global gradient norm of the last step, before clipping. */
  get lastGradNorm(): number {
    return this.adam.lastGradNorm;
  }

  /** Starts the average at the current weights for any weight it does not hold yet. */
  track(params: Record<string, Tensor>): void {
    for (const [n, t] of Object.entries(params)) if (!this.ema.has(n)) this.ema.set(n, (t.data as Float32Array).slice());
  }

  step(params: Record<string, Float32Array>, grads: Record<string, Float32Array>): void {
    this.adam.step(params, grads);
    this.updates++;
    const d = Math.min(this.o.emaDecay, (1 + this.updates) / (10 + this.updates));
    for (const [n, w] of Object.entries(params)) {
      let e = this.ema.get(n);
      if (!e) this.ema.set(n, (e = w.slice()));
      const k = 1 - d;
      for (let i = 0, n = e.length; i < n; i++) e[i] += k * (w[i] - e[i]);
    }
  }

  /** The averaged weights (live buffers; copy before mutating). */
  average(): Record<string, Float32Array> {
    return Object.fromEntries(this.ema);
  }

  state(): Record<string, Tensor> {
    const out = this.adam.state();
    for (const [n, e] of this.ema) out[`${EMA}${n}`] = f32([e.length], e.slice());
    out[COUNT] = f32([], [this.updates]);
    return out;
  }

  load(state: Record<string, Tensor>): void {
    const adam: Record<string, Tensor> = {};
    this.ema.clear();
    for (const [k, t] of Object.entries(state)) {
      if (k === COUNT) this.updates = (t.data as Float32Array)[0];
      else if (k.startsWith(EMA)) this.ema.set(k.slice(EMA.length), (t.data as Float32Array).slice());
      else adam[k] = t;
    }
    this.adam.load(adam);
  }
}
