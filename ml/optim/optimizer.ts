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
 */
export function checkStep(params: ParamMap, grads: ParamMap, lr: number): void {
  if (!Number.isFinite(lr) || lr < 0) throw new OptimizerError(`learning rate ${lr} is not a finite non-negative number`);
  for (const name in grads) if (!Object.hasOwn(params, name)) throw new OptimizerError('has a gradient but is not being optimized', name);
  for (const name in params) {
    const p = params[name];
    const g = grads[name];
    if (!Object.hasOwn(grads, name) || g === undefined) throw new OptimizerError('has no gradient', name);
    if (g.length !== p.length) throw new OptimizerError(`gradient has ${g.length} elements, parameter has ${p.length}`, name);
    // x - x is 0 for finite x and NaN for ±Inf and NaN: one cheap pass, locate the culprit only on failure.
    let s = 0;
    for (let i = 0; i < g.length; i++) s += g[i] - g[i];
    if (s !== 0) {
      let i = 0;
      while (Number.isFinite(g[i])) i++;
      throw new OptimizerError(`gradient is ${g[i]} at element ${i}; step refused, parameters unchanged`, name);
    }
  }
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
  // Parallel arrays rather than a Map of Maps so the per-step loops need no iterators.
  private readonly slotNames: readonly string[];
  private slots: Map<string, Float32Array>[];
  private steps = new Map<string, number>();

  constructor(lr: number, slotNames: readonly string[]) {
    this.lr = lr;
    for (const s of slotNames) if (s === STEP || s.includes('.')) throw new Error(`bad slot name ${s}`);
    this.slotNames = [...slotNames];
    this.slots = slotNames.map(() => new Map());
  }

  /** Update one parameter; `t` is its 1-based step number, buffers come from `buffer`. */
  protected abstract update(name: string, p: Float32Array, g: Float32Array, t: number): void;

  /** The slot buffer of a parameter, zero-filled on first use (the only allocation). */
  protected buffer(slot: string, name: string, n: number): Float32Array {
    const m = this.slots[this.slotNames.indexOf(slot)];
    let b = m.get(name);
    if (!b) m.set(name, (b = new Float32Array(n)));
    return b;
  }

  step(params: ParamMap, grads: ParamMap): void {
    checkStep(params, grads, this.lr);
    for (const name in params)
      for (let k = 0; k < this.slots.length; k++) {
        const b = this.slots[k].get(name);
        const n = params[name].length;
        if (b && b.length !== n) throw new OptimizerError(`state ${this.slotNames[k]} has ${b.length} elements, parameter has ${n}`, name);
      }
    for (const name in params) {
      const t = (this.steps.get(name) ?? 0) + 1;
      this.steps.set(name, t);
      this.update(name, params[name], grads[name], t);
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
