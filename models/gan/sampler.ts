// Drawing images from a GAN generator: the Z-space graph (mapping → truncation → synthesis) in one
// session of a fixed batch, fed the pack's weights. Each image is a pure function of its seed (its
// z and per-layer noise come from Rng(seed)), its class and ψ, whatever the batch it runs in: the
// same seed at ψ = 1 and ψ = 0.7 is the same draw pulled towards w_avg.
import { type Backend, f32, Rng, type Session, type SessionOptions, type Tensor, toOnnxBytes, withDefaults } from '../../ml/index.ts';
import { type GanConfig, noiseInputs } from './config.ts';
import { generatorGraph } from './graphs.ts';

export interface SampleRequest {
  seed: number;
  /** Class index (one-hot column) for a conditioned generator; ignored when unconditioned. */
  cls: number;
}

export class GanSampler {
  private constructor(
    readonly config: GanConfig,
    readonly batch: number,
    private readonly session: Session,
    private readonly feeds: (f: Record<string, Tensor>) => Record<string, Tensor>,
  ) {}

  /** generator: every g.* weight and g.mapping.w_avg (as loadGanPack returns them). */
  static async create(config: GanConfig, generator: Record<string, Tensor>, o: { backend: Backend; session?: SessionOptions; batch?: number }): Promise<GanSampler> {
    const batch = o.batch ?? 16;
    const { graph } = generatorGraph(config, batch, { space: 'z' });
    const missing = graph.inputs.filter((n) => n.startsWith('g.') && !generator[n]);
    if (missing.length) throw new Error(`GAN sampler: the generator weights lack "${missing[0]}"${missing.length > 1 ? ` and ${missing.length - 1} more` : ''}`);
    const session = await o.backend.create(toOnnxBytes(graph), o.session);
    return new GanSampler(config, batch, session, (f) => withDefaults(graph, { ...generator, ...f }));
  }

  /** Images [n, C, R, R], raw generator output (about [−1, 1]), one per request. */
  async render(requests: readonly SampleRequest[], psi = 1): Promise<Float32Array> {
    const c = this.config;
    const B = this.batch;
    const per = c.imageChannels * c.resolution ** 2;
    const noises = noiseInputs(c);
    const out = new Float32Array(requests.length * per);
    for (let start = 0; start < requests.length; start += B) {
      const part = requests.slice(start, start + B);
      const z = f32([B, c.zDim]);
      const cls = f32([B, Math.max(1, c.classes)]);
      const noise = Object.fromEntries(noises.map(({ name, side }) => [name, f32([B, 1, side, side])]));
      part.forEach((r, k) => {
        const rng = new Rng(r.seed);
        const zd = z.data as Float32Array;
        for (let j = 0; j < c.zDim; j++) zd[k * c.zDim + j] = rng.normal();
        for (const { name, side } of noises) {
          const nd = noise[name].data as Float32Array;
          for (let j = 0; j < side * side; j++) nd[k * side * side + j] = rng.normal();
        }
        if (c.classes) {
          if (!(r.cls >= 0 && r.cls < c.classes)) throw new Error(`GAN sampler: class ${r.cls} is outside 0…${c.classes - 1}`);
          (cls.data as Float32Array)[k * c.classes + r.cls] = 1;
        }
      });
      const feeds: Record<string, Tensor> = { z, psi: f32([1], [psi]), ...noise, ...(c.classes ? { class: cls } : {}) };
      const res = await this.session.run(this.feeds(feeds), ['image']);
      out.set((res.image.data as Float32Array).subarray(0, part.length * per), start * per);
    }
    return out;
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}
