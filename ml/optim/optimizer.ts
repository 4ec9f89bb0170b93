// The common optimizer interface and the bookkeeping every optimizer shares: validating a step
// before touching anything, per-parameter state buffers, and state save/load for checkpoints.
import { tensor, type Tensor } from '../tensor.ts';

/** Flat float32 parameters (or their gradients) by name; parameters are updated in place. */
export type ParamMap = Record<string, Float32Array>;

export interface Optimizer {
  /** Learning rate of the next step; a schedule sets it before each step. */
  lr: number;
  /** Update every parameter in place from its gradient. Throws, changing nothing, on a bad gradient. */
  step(params: ParamMap, grads: ParamMap): void;
  /** A copy of the state (moments, step counts), e.g. to save with writeSafetensors. */
  state(): Record<string, Tensor>;
  /** Replace the state with one from state(); continuing is then bit-identical to never stopping. */
  load(state: Record<string, Tensor>): void;
}

export class OptimizerError extends Error {
  readonly param?: string;
  constructor(message: string, param?: string) {
    super(param === undefined ? message : `parameter ${JSON.stringify(param)}: ${message}`);
    this.name = 'OptimizerError';
    this.param = param;
  }
}

/**
 * Check everything a step needs before anything is written, so that a refused step (typically a
 * NaN or Inf gradient from a diverging loss) leaves the parameters at their last good value.
 * Returns the global L2 norm of the gradients, which the same pass yields: a float64 sum of f32
 * squares is finite exactly when every element is (no f32 square comes near float64's range), so
 * the finiteness check and the norm that clipping needs cost one read of the gradients together.
 */
export function checkStep(params: ParamMap, grads: ParamMap, lr: number): number {
  if (!Number.isFinite(lr) || lr < 0) throw new OptimizerError(`learning rate ${lr} is not a finite non-negative number`);
  for (const name in grads) if (!Object.hasOwn(params, name)) throw new OptimizerError('has a gradient but is not being optimized', name);
  let total = 0;
  for (const name in params) {
    const p = params[name];
    const g = grads[name];
    if (!Object.hasOwn(grads, name) || g === undefined) throw new OptimizerError('has no gradient', name);
    if (g.length !== p.length) throw new OptimizerError(`gradient has ${g.length} elements, parameter has ${p.length}`, name);
    let s = 0;
    for (let i = 0; i < g.length; i++) s += g[i] * g[i];
    if (!Number.isFinite(s)) {
      let i = 0;
      while (Number.isFinite(g[i])) i++;
      throw new OptimizerError(`gradient is ${g[i]} at element ${i}; step refused, parameters unchanged`, name);
    }
    total += s;
  }
  return Math.sqrt(total);
}

/**
 * The factor clipping by global norm scales every gradient by (PyTorch's clip_grad_norm_, with its
 * 1e-6 guard): maxNorm / norm when the norm exceeds maxNorm, else 1.
 */
export function clipScale(norm: number, maxNorm: number): number {
  const scale = maxNorm / (norm + 1e-6);
  return Number.isFinite(norm) && scale < 1 ? scale : 1;
}

const STEP = 'step';

/**
 * Per-parameter state: named float32 slots shaped like the parameter (e.g. Adam's two moments) and
 * a step count. Keys in state() are `<slot>.<param name>`, and `step.<param name>` (int64 scalar).
 * Counting steps per parameter (as PyTorch does) keeps bias correction right for parameters that
 * join training later.
 */
export abstract class StatefulOptimizer implements Optimizer {
  lr: number;
  /**
   * Clip the gradients to this global L2 norm before the update (`clipGradNorm`'s result, without its
   * separate passes: the check's pass yields the norm, the update applies the factor as it reads).
   */
  maxGradNorm: number | undefined;
  /** Global L2 norm of the last step's gradients, before clipping. */
  lastGradNorm = 0;
  // Parallel arrays rather than a Map of Maps so the per-step loops need no iterators.
  private readonly slotNames: readonly string[];
  private slots: Map<string, Float32Array>[];
  private steps = new Map<string, number>();

  constructor(lr: number, slotNames: readonly string[], maxGradNorm?: number) {
    if (maxGradNorm !== undefined && !(maxGradNorm >= 0)) throw new OptimizerError(`max gradient norm ${maxGradNorm} is not a non-negative number`);
    this.lr = lr;
    this.maxGradNorm = maxGradNorm;
    for (const s of slotNames) if (s === STEP || s.includes('.')) throw new Error(`bad slot name ${s}`);
    this.slotNames = [...slotNames];
    this.slots = slotNames.map(() => new Map());
  }

  /**
   * Update one parameter; `t` is its 1-based step number, buffers come from `buffer`. The gradient
   * to use is `g` times `scale`, the clipping factor (1 when nothing is clipped).
   */
  protected abstract update(name: string, p: Float32Array, g: Float32Array, t: number, scale: number): void;

  /** The slot buffer of a parameter, zero-filled on first use (the only allocation). */
  protected buffer(slot: string, name: string, n: number): Float32Array {
    const m = this.slots[this.slotNames.indexOf(slot)];
    let b = m.get(name);
    if (!b) m.set(name, (b = new Float32Array(n)));
    return b;
  }

  step(params: ParamMap, grads: ParamMap): void {
    const norm = checkStep(params, grads, this.lr);
    for (const name in params)
      for (let k = 0; k < this.slots.length; k++) {
        const b = this.slots[k].get(name);
        const n = params[name].length;
        if (b && b.length !== n) throw new OptimizerError(`state ${this.slotNames[k]} has ${b.length} elements, parameter has ${n}`, name);
      }
    this.lastGradNorm = norm;
    const scale = this.maxGradNorm === undefined ? 1 : clipScale(norm, this.maxGradNorm);
    for (const name in params) {
      const t = (this.steps.get(name) ?? 0) + 1;
      this.steps.set(name, t);
      this.update(name, params[name], grads[name], t, scale);
    }
  }

  state(): Record<string, Tensor> {
    const out: Record<string, Tensor> = {};
    for (const [name, t] of this.steps) out[`${STEP}.${name}`] = tensor('int64', [], [BigInt(t)]);
    this.slots.forEach((m, k) => m.forEach((b, name) => (out[`${this.slotNames[k]}.${name}`] = tensor('float32', [b.length], b.slice()))));
    return out;
  }

  load(state: Record<string, Tensor>): void {
    // Validate into fresh maps first, so a bad checkpoint leaves the current state intact.
    const steps = new Map<string, number>();
    const slots = this.slotNames.map(() => new Map<string, Float32Array>());
    for (const [key, t] of Object.entries(state)) {
      const dot = key.indexOf('.');
      const slot = key.slice(0, dot);
      const name = key.slice(dot + 1);
      const k = this.slotNames.indexOf(slot);
      if (dot < 0 || (slot !== STEP && k < 0)) throw new OptimizerError(`unknown optimizer state ${JSON.stringify(key)}`);
      if (slot === STEP) {
        const v = t.dtype === 'int64' && t.data.length === 1 ? Number(t.data[0]) : NaN;
        if (!Number.isSafeInteger(v) || v < 1) throw new OptimizerError(`state ${key} is not a positive int64 step count`, name);
        steps.set(name, v);
      } else {
        if (t.dtype !== 'float32') throw new OptimizerError(`state ${key} is ${t.dtype}, expected float32`, name);
        slots[k].set(name, (t.data as Float32Array).slice());
      }
    }
    slots.forEach((m, k) => m.forEach((_, name) => {
      if (!steps.has(name)) throw new OptimizerError(`state has ${this.slotNames[k]} but no step count`, name);
    }));
    this.slots = slots;
    this.steps = steps;
  }
}
