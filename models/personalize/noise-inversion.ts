// Optimization-based inversion into the START NOISE: find x_T such that K deterministic DDIM steps
// under the prompt land on the image's latent. Unlike DDIM inversion (which runs the ODE backwards
// with an approximation at every step) this optimizes the actual round trip, so regenerating with
// the same sampler settings reproduces the target as closely as the optimization got.
import { Adam, f32, Rng, type Tensor, Trainer } from '../../ml/index.ts';
import { noiseInversionGraph } from './inversion-graphs.ts';
import type { PackModel } from './model.ts';
import { type LoopOptions, type LoopResult, optimize } from './optimize.ts';

export interface NoiseInversionOptions extends Pick<LoopOptions, 'patience' | 'onStep' | 'signal' | 'previewEvery' | 'explode'> {
  /** Target scaled latents [n, C, S, S]. */
  targets: Float32Array;
  n: number;
  /** Text contexts [n, L, D] of the prompt. */
  context: Float32Array;
  /** DDIM steps of the round trip (the Sampler must use the same). */
  ddimSteps: number;
  init?: Float32Array;
  steps: number;
  lr: number;
  seed: number;
  onPreview?: (step: number, noise: Float32Array) => Promise<void> | void;
}

export async function invertNoise(model: PackModel, unetWeights: Record<string, Tensor>, o: NoiseInversionOptions): Promise<LoopResult & { noise: Float32Array }> {
  const config = model.diffusionConfig;
  const { graph, weights } = noiseInversionGraph(config, model.schedule, o.n, o.ddimSteps);
  const shape = [o.n, ...model.latentShape];
  let init = o.init;
  if (!init) {
    // A seeded Gaussian start: the optimum is a point of the noise distribution, not its mean.
    const rng = new Rng(o.seed);
    init = Float32Array.from({ length: o.n * model.latentSize }, () => rng.normal());
  }
  const params: Record<string, Tensor> = { x: f32(shape, init.slice()), ...Object.fromEntries(weights.map((k) => [k, unetWeights[k]])) };
  const optimizer = new Adam({ lr: o.lr });
  const trainer = await Trainer.create({ graph, loss: 'loss', trainable: ['x'], params, optimizer, backend: model.backend, session: model.sessionOptions });
  const feeds = { context: f32([o.n, config.text.maxLength, config.text.dim], o.context), target: f32(shape, o.targets) };
  try {
    const r = await optimize({ ...o, trainer, decay: { optimizer, to: 0.05 }, batch: () => feeds, onPreview: o.onPreview && ((k, v) => o.onPreview!(k, v.x.data as Float32Array)) });
    return { ...r, noise: r.values.x.data as Float32Array };
  } finally {
    await trainer.release();
  }
}
