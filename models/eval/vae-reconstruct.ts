// Images → posterior means → reconstructions through the VAE, batch by batch (static shapes: the
// last batch repeats its final image and the extra outputs are dropped). Shared by training-time
// checks and the evaluation.
import { type Session, type Tensor, toOnnxBytes } from '../../ml/index.ts';
import { nodeBackend } from '../../ml/session/node.ts';
import { pixelBatch, type PixelStore } from '../data/pixels.ts';
import { buildVaeReconstruct, type VaeConfig } from '../diffusion/vae.ts';

export interface Reconstructions {
  /** Inputs [n, 3, R, R] in [−1, 1]. */
  input: Float32Array;
  /** Reconstructions, same layout, unclamped. */
  output: Float32Array;
  /** Posterior means [n, C, r, r] (raw, unscaled). */
  mean: Float32Array;
  n: number;
}

/** One session of the reconstruct graph, fed whatever weights each call brings (they change in training). */
export class VaeReconstructor {
  private constructor(
    readonly config: VaeConfig,
    readonly batch: number,
    private readonly names: readonly string[],
    private readonly session: Session,
  ) {}

  static async create(config: VaeConfig, threads = 1, batch = 16): Promise<VaeReconstructor> {
    const { graph, params } = buildVaeReconstruct(config, batch);
    return new VaeReconstructor(config, batch, params.names(), await nodeBackend.create(toOnnxBytes(graph), { threads }));
  }

  async run(weights: Record<string, Tensor>, store: PixelStore, indices: readonly number[]): Promise<Reconstructions> {
    const { config, batch } = this;
    const feeds = Object.fromEntries(this.names.map((k) => [k, weights[k]]));
    const n = indices.length;
    const px = config.imageChannels * config.resolution ** 2;
    const input = new Float32Array(n * px);
    const output = new Float32Array(n * px);
    let mean = new Float32Array(0);
    for (let i = 0; i < n; i += batch) {
      const idx = Array.from({ length: batch }, (_, k) => indices[Math.min(i + k, n - 1)]);
      const x = pixelBatch(store, idx);
      const out = await this.session.run({ ...feeds, image: x }, ['mean', 'image_out']);
      const valid = Math.min(batch, n - i);
      const per = out.mean.data.length / batch;
      if (!mean.length) mean = new Float32Array(n * per);
      input.set((x.data as Float32Array).subarray(0, valid * px), i * px);
      output.set((out.image_out.data as Float32Array).subarray(0, valid * px), i * px);
      mean.set((out.mean.data as Float32Array).subarray(0, valid * per), i * per);
    }
    return { input, output, mean, n };
  }

  release(): Promise<void> {
    return this.session.release();
  }
}

/** A one-off reconstruction (a session for the call). */
export async function reconstruct(config: VaeConfig, weights: Record<string, Tensor>, store: PixelStore, indices: readonly number[], threads = 1, batch = 16): Promise<Reconstructions> {
  const r = await VaeReconstructor.create(config, threads, batch);
  try {
    return await r.run(weights, store, indices);
  } finally {
    await r.release();
  }
}

/** 1/std of all latent elements (the latent-diffusion scaling convention). */
export function scalingFactor(mean: Float32Array): number {
  let s = 0;
  let s2 = 0;
  for (const v of mean) {
    s += v;
    s2 += v * v;
  }
  const m = s / mean.length;
  return 1 / Math.sqrt(s2 / mean.length - m * m);
}
