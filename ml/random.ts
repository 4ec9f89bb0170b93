// Seeded random numbers, so that weight init, noise and tests are reproducible.
import { f32, sizeOf, type Tensor } from './tensor.ts';

export class Rng {
  private s: number;
  private spare: number | null = null;
  constructor(seed = 0) {
    this.s = seed >>> 0 || 0x9e3779b9;
  }
  /** Uniform in [0, 1) (mulberry32). */
  next(): number {
    let t = (this.s = (this.s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** Standard normal (Box–Muller). */
  normal(): number {
    if (this.spare !== null) {
      const s = this.spare;
      this.spare = null;
      return s;
    }
    let u = 0;
    while (u === 0) u = this.next();
    const v = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
}

export function randn(shape: readonly number[], rng: Rng, scale = 1): Tensor {
  const t = f32(shape);
  const d = t.data as Float32Array;
  for (let i = 0; i < d.length; i++) d[i] = rng.normal() * scale;
  return t;
}

export function uniform(shape: readonly number[], rng: Rng, lo = -1, hi = 1): Tensor {
  const t = f32(shape);
  const d = t.data as Float32Array;
  for (let i = 0; i < sizeOf(shape); i++) d[i] = lo + (hi - lo) * rng.next();
  return t;
}
