// Latents → pixels through the pack's VAE decoder, in fixed-size batches (graphs have static
// shapes; the last batch is padded). Takes the denoiser's scaled latents and the scaling factor.
import { type Backend, f32, type Session, type SessionOptions, type Tensor, toOnnxBytes } from '../../ml/index.ts';
import { buildVaeDecode, latentSide, type VaeConfig } from '../diffusion/vae.ts';

export class VaeDecoderSession {
  private constructor(
    readonly config: VaeConfig,
    readonly batch: number,
    private readonly session: Session,
    private readonly weights: Record<string, Tensor>,
    private readonly scale: number,
  ) {}

  static async create(config: VaeConfig, weights: Record<string, Tensor>, scalingFactor: number, backend: Backend, opts: { batch?: number; session?: SessionOptions } = {}) {
    const batch = opts.batch ?? 16;
    const { graph, params } = buildVaeDecode(config, batch);
    const mine = Object.fromEntries(params.names().map((n) => [n, weights[n]]));
    const missing = params.names().filter((n) => !weights[n]);
    if (missing.length) throw new Error(`VAE decoder weights lack ${missing[0]}`);
    return new VaeDecoderSession(config, batch, await backend.create(toOnnxBytes(graph), opts.session), mine, scalingFactor);
  }

  /** Scaled latents [n, C, h, w] → images [n, 3, R, R] clamped to [−1, 1]. */
  async decode(latents: Float32Array, n: number): Promise<Float32Array> {
    const c = this.config;
    const side = latentSide(c);
    const per = c.latentChannels * side * side;
    const px = c.imageChannels * c.resolution * c.resolution;
    const out = new Float32Array(n * px);
    for (let s = 0; s < n; s += this.batch) {
      const k = Math.min(this.batch, n - s);
      const z = new Float32Array(this.batch * per);
      for (let i = 0; i < k * per; i++) z[i] = latents[s * per + i] / this.scale;
      const r = await this.session.run({ ...this.weights, latent: f32([this.batch, c.latentChannels, side, side], z) }, ['image']);
      const img = (r.image.data as Float32Array).subarray(0, k * px);
      for (let i = 0; i < img.length; i++) out[s * px + i] = Math.max(-1, Math.min(1, img[i]));
    }
    return out;
  }

  release(): Promise<void> {
    return this.session.release();
  }
}
