// The run's randomness as pure functions of (seed, step): which images a step trains on and the
// noise it draws. Nothing carries over from one step to the next, so resuming at step k replays
// exactly what an uninterrupted run would have done from step k.
import { randn, Rng, type Tensor } from '../../ml/index.ts';

/** A 32-bit mix of integers (splitmix32-style finalizer), for seeding per-step generators. */
export function mix(...xs: number[]): number {
  let h = 0x9e3779b9;
  for (const x of xs) {
    h = Math.imul(h ^ (x >>> 0), 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
  }
  return h >>> 0;
}

/** A generator for one purpose (`stream`) at one step. */
export const stepRng = (seed: number, step: number, stream: number) => new Rng(mix(seed, step, stream));

/** Standard-normal noise of a shape, fixed by (seed, step, stream). */
export const stepNoise = (shape: readonly number[], seed: number, step: number, stream: number): Tensor => randn(shape, stepRng(seed, step, stream));

/**
 * Batches that walk through a seeded permutation of the data each epoch; a batch that crosses an
 * epoch's end takes the rest from the next epoch's permutation, so every image is seen once per epoch.
 */
export class EpochSampler {
  private cache: { epoch: number; perm: Uint32Array } | null = null;

  constructor(
    readonly size: number,
    readonly batch: number,
    readonly seed: number,
  ) {
    if (size < 1) throw new Error('EpochSampler: empty dataset');
  }

  private perm(epoch: number): Uint32Array {
    if (this.cache?.epoch === epoch) return this.cache.perm;
    const rng = new Rng(mix(this.seed, epoch, 0x5eed));
    const p = new Uint32Array(this.size);
    for (let i = 0; i < p.length; i++) p[i] = i;
    for (let i = p.length - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      [p[i], p[j]] = [p[j], p[i]];
    }
    this.cache = { epoch, perm: p };
    return p;
  }

  /** Dataset indices of step `step`'s batch. */
  indices(step: number): number[] {
    const out: number[] = [];
    for (let k = 0; k < this.batch; k++) {
      const pos = step * this.batch + k;
      out.push(this.perm(Math.floor(pos / this.size))[pos % this.size]);
    }
    return out;
  }
}
