// Classifier-free guidance (Ho & Salimans 2022): one model call on a doubled batch, the first half
// conditioned on the negative (or empty) prompt, the second on the prompt, then
// ε̂ = ε̂_uncond + s·(ε̂_cond − ε̂_uncond). The model learned both from 10% caption dropout.
import type { EpsFn } from './samplers.ts';

/** ε̂ for a batch of latents under a batch of text contexts (both flat, batch-major). */
export type ContextEpsFn = (x: Float32Array, t: number, context: Float32Array) => Promise<Float32Array>;

export interface GuidanceOptions {
  /** Context of the prompts, [B, L, D] flat. */
  cond: Float32Array;
  /** Context of the negative prompts (the empty prompt for plain CFG), same shape as cond. */
  uncond: Float32Array;
  /** 1 means no guidance (one plain conditional call); 0 means unconditional. */
  scale: number;
}

export function guided(predict: ContextEpsFn, { cond, uncond, scale }: GuidanceOptions): EpsFn {
  if (cond.length !== uncond.length) throw new Error(`guidance: cond has ${cond.length} values, uncond ${uncond.length}`);
  if (scale === 1) return (x, t) => predict(x, t, cond);
  if (scale === 0) return (x, t) => predict(x, t, uncond);
  const both = concat(uncond, cond);
  return async (x, t) => {
    const e = await predict(concat(x, x), t, both);
    const n = x.length;
    if (e.length !== 2 * n) throw new Error(`guidance: the model returned ${e.length} values for ${2 * n}`);
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = e[i] + scale * (e[n + i] - e[i]);
    return out;
  };
}

function concat(a: Float32Array, b: Float32Array): Float32Array {
  const out = new Float32Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
