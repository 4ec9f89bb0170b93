// Optimization-based inversion in the autoencoder's latent space (decoder inversion): find the
// latent whose decoding matches the image. Starts from an initial latent when one is given (the
// encoder's: the hybrid method) or from zeros, the latent prior's mean.
import { Adam, f32, type Tensor, Trainer } from '../../ml/index.ts';
import { latentInversionGraph } from './inversion-graphs.ts';
import type { PackModel } from './model.ts';
import { type LoopOptions, type LoopResult, optimize } from './optimize.ts';

export interface LatentInversionOptions extends Pick<LoopOptions, 'patience' | 'onStep' | 'signal' | 'previewEvery' | 'explode'> {
  /** Target images [n, 3, R, R] in [−1, 1]. */
  targets: Float32Array;
  n: number;
  init?: Float32Array;
  steps: number;
  lr: number;
  onPreview?: (step: number, latent: Float32Array) => Promise<void> | void;
}

export async function invertLatent(model: PackModel, o: LatentInversionOptions): Promise<LoopResult & { latent: Float32Array }> {
  const vae = model.vaeConfig;
  const { graph, weights } = latentInversionGraph(vae, o.n, model.scale);
  const w = model.weights('vae');
  const [c, h, wd] = model.latentShape;
  const z = f32([o.n, c, h, wd], o.init ? o.init.slice() : new Float32Array(o.n * c * h * wd));
  const params: Record<string, Tensor> = { z, ...Object.fromEntries(weights.map((k) => [k, w[k]])) };
  const optimizer = new Adam({ lr: o.lr });
  const trainer = await Trainer.create({ graph, loss: 'loss', trainable: ['z'], params, optimizer, backend: model.backend, session: model.sessionOptions });
  const target = f32([o.n, 3, vae.resolution, vae.resolution], o.targets);
  try {
    const r = await optimize({
      ...o,
      trainer,
      decay: { optimizer, to: 0.05 },
      batch: () => ({ target }),
      onPreview: o.onPreview && ((k, v) => o.onPreview!(k, v.z.data as Float32Array)),
    });
    return { ...r, latent: r.values.z.data as Float32Array };
  } finally {
    await trainer.release();
  }
}
