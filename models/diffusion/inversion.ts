// DDIM inversion: run the deterministic DDIM ODE backwards, from a clean latent up to the noisiest
// sampled timestep, under a prompt. Sampling from the result with DDIM (η = 0), the same steps and
// the same prompt returns (nearly) the start latent, which is what editing by inversion needs.
import type { EpsFn } from './samplers.ts';
import { alphaBar, type NoiseSchedule, samplingTimesteps } from './schedule.ts';

export interface InvertOptions {
  schedule: NoiseSchedule;
  steps: number;
  spacing?: 'trailing' | 'leading';
  onStep?: (done: number, total: number, x: Float32Array) => void;
  signal?: AbortSignal;
}

/**
 * x₀ → x_{t_0}, visiting the sampler's timesteps in reverse. The step from t to t' needs ε̂ at
 * x_{t'}, which is unknown; like every DDIM inversion it uses ε̂(x_t, t') instead — the same
 * timestep label the matching sampling step feeds the model, so the two walks mirror each other.
 */
export async function ddimInvert(epsFn: EpsFn, x0: Float32Array, opts: InvertOptions): Promise<Float32Array> {
  const s = opts.schedule;
  const up = samplingTimesteps(s.steps, opts.steps, opts.spacing).reverse();
  let x = x0.slice();
  let t = -1;
  for (let i = 0; i < up.length; i++) {
    opts.signal?.throwIfAborted();
    const next = up[i];
    const eps = await epsFn(x, next);
    const [ab, abn] = [alphaBar(s, t), alphaBar(s, next)];
    const [ra, sa] = [Math.sqrt(ab), Math.sqrt(1 - ab)];
    const [rn, sn] = [Math.sqrt(abn), Math.sqrt(1 - abn)];
    const out = new Float32Array(x.length);
    for (let j = 0; j < out.length; j++) out[j] = rn * ((x[j] - sa * eps[j]) / ra) + sn * eps[j];
    x = out;
    t = next;
    opts.onStep?.(i + 1, up.length, x);
  }
  return x;
}
