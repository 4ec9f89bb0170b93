// The loop every optimization-based inversion shares (latent, start noise, text embedding, LoRA):
// Adam steps through a Trainer, a loss curve, previews every N steps, early stopping on a plateau,
// and divergence handling. A diverging run (NaN, or a loss that explodes past `explode`× the best
// so far) stops at once and returns the LAST GOOD values with a note saying what happened, so a bad
// learning rate costs the step, not the work done before it.
import type { Tensor, Trainer } from '../../ml/index.ts';

export interface LoopOptions {
  trainer: Trainer;
  steps: number;
  /** The non-weight feeds of step k (a pure function of k and the seed). */
  batch: (step: number) => Record<string, Tensor>;
  /** Stop when the smoothed loss has not improved by `minDelta` (relative) for `patience` steps; 0 = never. */
  patience?: number;
  minDelta?: number;
  /** A loss above this multiple of the best smoothed loss counts as divergence (default 1e3). */
  explode?: number;
  onStep?: (step: number, loss: number) => void;
  previewEvery?: number;
  onPreview?: (step: number, values: Record<string, Tensor>) => Promise<void> | void;
  signal?: AbortSignal;
  /**
   * Cosine decay of the optimizer's lr from its start value to `to`× over the steps: inversion of a
   * single image converges to a sharper optimum when the last steps are small.
   */
  decay?: { optimizer: { lr: number }; to: number };
}

export interface LoopResult {
  /** The trainable values after the last good step. */
  values: Record<string, Tensor>;
  losses: number[];
  stopped: 'done' | 'early' | 'diverged';
  note?: string;
}

const copy = (t: Tensor): Tensor => ({ dtype: t.dtype, shape: [...t.shape], data: t.data.slice() });

export async function optimize(o: LoopOptions): Promise<LoopResult> {
  const t = o.trainer;
  const snapshot = () => Object.fromEntries(t.trainable.map((n) => [n, copy(t.params[n])]));
  const finite = () => t.trainable.every((n) => (t.params[n].data as Float32Array).every(Number.isFinite));
  // The loss of a step is measured BEFORE its update, so the values known to be good are the ones
  // the latest finite, non-exploding loss was measured at.
  let good = snapshot();
  const losses: number[] = [];
  const explode = o.explode ?? 1e3;
  let ema: number | null = null;
  let best = Infinity;
  let bestAt = 0;
  const diverged = (k: number, why: string): LoopResult => ({ values: good, losses, stopped: 'diverged', note: `diverged at step ${k + 1}: ${why}; kept the values of step ${k}` });
  const lr0 = o.decay?.optimizer.lr ?? 0;
  for (let k = 0; k < o.steps; k++) {
    o.signal?.throwIfAborted();
    if (o.decay) o.decay.optimizer.lr = lr0 * (o.decay.to + (1 - o.decay.to) * 0.5 * (1 + Math.cos((Math.PI * k) / Math.max(1, o.steps - 1))));
    const before = snapshot();
    let loss: number;
    try {
      loss = await t.step(o.batch(k));
    } catch (e) {
      if (/loss is (NaN|-?Infinity)/.test((e as Error).message)) return diverged(k, 'the loss became NaN');
      throw e;
    }
    if (ema !== null && loss > explode * Math.max(best, 1e-12)) return diverged(k, `the loss jumped to ${loss.toPrecision(3)} (best ${best.toPrecision(3)})`);
    losses.push(loss);
    good = before;
    if (!finite()) return diverged(k + 1, 'the update made the values non-finite');
    ema = ema === null ? loss : 0.9 * ema + 0.1 * loss;
    if (ema < best * (1 - (o.minDelta ?? 1e-3))) {
      best = ema;
      bestAt = k;
    }
    o.onStep?.(k + 1, loss);
    if (o.previewEvery && o.onPreview && (k + 1) % o.previewEvery === 0 && k + 1 < o.steps) await o.onPreview(k + 1, snapshot());
    if (o.patience && k - bestAt >= o.patience) return { values: snapshot(), losses, stopped: 'early', note: `stopped early at step ${k + 1}: no improvement for ${o.patience} steps` };
  }
  return { values: snapshot(), losses, stopped: 'done' };
}
