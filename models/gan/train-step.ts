// One training iteration of the GAN, StyleGAN2's schedule: a discriminator step on real and
// generated images, every `r1Interval` iterations a separate R1 step (lazy regularization), then a
// generator step; Adam with β1 = 0, β2 = 0.99; an exponential moving average of the generator's
// weights (what ships) and of the mapped w (the truncation centre). Four sessions, each made once:
// the generator forward (fakes for the discriminator), the discriminator's gradient graph, the R1
// double-backward graph and the generator's gradient graph (through the frozen discriminator).
import { Adam, type Backend, f32, grad, type Graph, randn, type Rng, type Session, type Tensor, toOnnxBytes, withDefaults } from '../../ml/index.ts';
import { drawAugment } from './augment.ts';
import { type GanConfig, noiseInputs } from './config.ts';
import { discriminatorTrainingGraph, generatorGraph, generatorTrainingGraph, r1Graph, W_AVG } from './graphs.ts';

export interface GanHyper {
  batch: number;
  lr: number;
  /** R1 weight γ. */
  r1Gamma: number;
  /** Iterations between R1 steps (StyleGAN2: 16). */
  r1Interval: number;
  /** Generator EMA half-life in images (StyleGAN2: 10k images). */
  emaHalfLifeImages: number;
}

export interface IterationStats {
  dLoss: number;
  gLoss: number;
  realScore: number;
  fakeScore: number;
  /** The R1 penalty when this iteration ran one. */
  r1?: number;
}

const gradName = (w: string) => `grad/${w}`;

async function gradSession(backend: Backend, graph: Graph, loss: string, wrt: string[], threads: number): Promise<Session> {
  return backend.create(toOnnxBytes(grad(graph, { loss, wrt, gradName })), { threads });
}

const copy = (t: Tensor): Tensor => ({ dtype: t.dtype, shape: [...t.shape], data: t.data.slice() });

export class GanTrainer {
  /** Every weight, g.* and d.*, plus the tracked w_avg; updated in place. */
  readonly params: Record<string, Tensor>;
  /** The generator's EMA weights (and w_avg): what a pack ships. */
  readonly ema: Record<string, Float32Array>;
  readonly gOpt: Adam;
  readonly dOpt: Adam;
  iterations = 0;

  private constructor(
    readonly config: GanConfig,
    readonly hyper: GanHyper,
    private readonly s: { fakes: Session; d: Session; r1: Session; g: Session },
    private readonly graphs: { fakes: Graph; d: Graph; r1: Graph; g: Graph },
    readonly gNames: string[],
    readonly dNames: string[],
    params: Record<string, Tensor>,
  ) {
    this.params = Object.fromEntries(Object.entries(params).map(([k, t]) => [k, copy(t)]));
    this.ema = Object.fromEntries([...gNames, W_AVG].map((n) => [n, (this.params[n].data as Float32Array).slice()]));
    // Lazy regularization rescales the discriminator's lr and betas (StyleGAN2, appendix C).
    const c = hyper.r1Interval / (hyper.r1Interval + 1);
    this.gOpt = new Adam({ lr: hyper.lr, betas: [0, 0.99], eps: 1e-8 });
    this.dOpt = new Adam({ lr: hyper.lr * c, betas: [0, 0.99 ** c], eps: 1e-8 });
  }

  static async create(o: { config: GanConfig; hyper: GanHyper; backend: Backend; threads: number; params?: Record<string, Tensor>; seed?: number }): Promise<GanTrainer> {
    const { config: c, hyper: h } = o;
    const seed = o.seed ?? 0;
    const G = generatorTrainingGraph(c, h.batch, seed);
    const D = discriminatorTrainingGraph(c, h.batch, seed);
    const R = r1Graph(c, h.batch, { gamma: h.r1Gamma, interval: h.r1Interval }, seed);
    const F = generatorGraph(c, h.batch, { space: 'z', seed });
    const gNames = G.p.names().filter((n) => n.startsWith('g.'));
    const dNames = D.p.names();
    const initial = o.params ?? { ...G.p.initial(), [W_AVG]: f32([c.wDim]) };
    for (const n of [...gNames, ...dNames, W_AVG]) if (!initial[n]) throw new Error(`GAN trainer: no starting value for "${n}"`);
    const [fakes, d, r1, g] = await Promise.all([
      o.backend.create(toOnnxBytes(F.graph), { threads: o.threads }),
      gradSession(o.backend, D.graph, 'd_loss', dNames, o.threads),
      gradSession(o.backend, R.graph, 'r1', dNames, o.threads),
      gradSession(o.backend, G.graph, 'g_loss', gNames, o.threads),
    ]);
    return new GanTrainer(c, h, { fakes, d, r1, g }, { fakes: F.graph, d: D.graph, r1: R.graph, g: G.graph }, gNames, dNames, initial);
  }

  private pick(names: readonly string[]): Record<string, Tensor> {
    return Object.fromEntries(names.map((n) => [n, this.params[n]]));
  }

  private noises(rng: Rng): Record<string, Tensor> {
    const B = this.hyper.batch;
    return Object.fromEntries(noiseInputs(this.config).map(({ name, side }) => [name, randn([B, 1, side, side], rng)]));
  }

  private aug(prefix: string, rng: Rng): Record<string, Tensor> {
    return Object.fromEntries(Object.entries(drawAugment(rng, this.hyper.batch, this.config.resolution)).map(([k, v]) => [prefix + k, v]));
  }

  private async run(which: keyof GanTrainer['s'], feeds: Record<string, Tensor>, fetch: string[]) {
    return this.s[which].run(withDefaults(this.graphs[which], feeds), fetch);
  }

  private async apply(opt: Adam, names: readonly string[], out: Record<string, Tensor>, what: string, value: number): Promise<void> {
    if (!Number.isFinite(value)) throw new Error(`GAN training diverged: the ${what} is ${value} at iteration ${this.iterations}`);
    const params: Record<string, Float32Array> = {};
    const grads: Record<string, Float32Array> = {};
    for (const n of names) {
      params[n] = this.params[n].data as Float32Array;
      grads[n] = out[gradName(n)].data as Float32Array;
    }
    await opt.step(params, grads);
  }

  /**
   * One iteration on a real batch (images [B, C, R, R] in [−1, 1], one-hot classes when
   * conditioned). Generated images take the real batch's classes, so they follow the data's class
   * frequencies. All randomness comes from `rng`.
   */
  async step(real: Tensor, realClass: Tensor | null, rng: Rng): Promise<IterationStats> {
    const { batch: B } = this.hyper;
    const c = this.config;
    const cls: Record<string, Tensor> = realClass ? { class: realClass } : {};
    // Fakes for the discriminator, and the mapped w for the running mean.
    const f = await this.run('fakes', { ...this.pick(this.gNames), [W_AVG]: this.params[W_AVG], psi: f32([1], [1]), z: randn([B, c.zDim], rng), ...cls, ...this.noises(rng) }, ['image', 'w']);
    this.trackWAvg(f.w.data as Float32Array);

    const dFeeds = { ...this.pick(this.dNames), real, fake: f.image, ...(realClass ? { real_class: realClass, fake_class: realClass } : {}), ...this.aug('real_', rng), ...this.aug('fake_', rng) };
    const dOut = await this.run('d', dFeeds, ['d_loss', 'real_score', 'fake_score', ...this.dNames.map(gradName)]);
    const dLoss = (dOut.d_loss.data as Float32Array)[0];
    await this.apply(this.dOpt, this.dNames, dOut, 'discriminator loss', dLoss);

    let r1: number | undefined;
    if (this.iterations % this.hyper.r1Interval === 0) {
      const rOut = await this.run('r1', { ...this.pick(this.dNames), real, ...(realClass ? { real_class: realClass } : {}), ...this.aug('real_', rng) }, ['r1', ...this.dNames.map(gradName)]);
      r1 = (rOut.r1.data as Float32Array)[0];
      await this.apply(this.dOpt, this.dNames, rOut, 'R1 penalty', r1);
    }

    const gFeeds = { ...this.pick(this.gNames), ...this.pick(this.dNames), z: randn([B, c.zDim], rng), ...cls, ...this.noises(rng), ...this.aug('fake_', rng) };
    const gOut = await this.run('g', gFeeds, ['g_loss', ...this.gNames.map(gradName)]);
    const gLoss = (gOut.g_loss.data as Float32Array)[0];
    await this.apply(this.gOpt, this.gNames, gOut, 'generator loss', gLoss);

    this.updateEma();
    this.iterations++;
    const score = (k: string) => (dOut[k].data as Float32Array)[0];
    return { dLoss, gLoss, realScore: score('real_score'), fakeScore: score('fake_score'), ...(r1 === undefined ? {} : { r1 }) };
  }

  private trackWAvg(w: Float32Array): void {
    const avg = this.params[W_AVG].data as Float32Array;
    const D = avg.length;
    const n = w.length / D;
    // StyleGAN's w_avg_beta 0.995, from the batch mean.
    for (let j = 0; j < D; j++) {
      let m = 0;
      for (let k = 0; k < n; k++) m += w[k * D + j];
      avg[j] += (1 - 0.995) * (m / n - avg[j]);
    }
  }

  private updateEma(): void {
    const beta = 0.5 ** (this.hyper.batch / Math.max(1, this.hyper.emaHalfLifeImages));
    for (const n of [...this.gNames, W_AVG]) {
      const e = this.ema[n];
      const w = this.params[n].data as Float32Array;
      for (let i = 0; i < e.length; i++) e[i] = w[i] + beta * (e[i] - w[i]);
    }
  }

  /** Optimizer and EMA state for a checkpoint. */
  state(): Record<string, Tensor> {
    const out: Record<string, Tensor> = {};
    for (const [k, t] of Object.entries(this.gOpt.state())) out[`g_opt/${k}`] = t;
    for (const [k, t] of Object.entries(this.dOpt.state())) out[`d_opt/${k}`] = t;
    for (const [k, e] of Object.entries(this.ema)) out[`ema/${k}`] = f32([e.length], e.slice());
    out.iterations = f32([], [this.iterations]);
    return out;
  }

  load(state: Record<string, Tensor>): void {
    const g: Record<string, Tensor> = {};
    const d: Record<string, Tensor> = {};
    for (const [k, t] of Object.entries(state)) {
      if (k.startsWith('g_opt/')) g[k.slice(6)] = t;
      else if (k.startsWith('d_opt/')) d[k.slice(6)] = t;
      else if (k.startsWith('ema/')) {
        const e = this.ema[k.slice(4)];
        if (!e || e.length !== t.data.length) throw new Error(`GAN checkpoint: EMA entry "${k}" does not fit this generator`);
        e.set(t.data as Float32Array);
      } else if (k === 'iterations') this.iterations = (t.data as Float32Array)[0];
    }
    this.gOpt.load(g);
    this.dOpt.load(d);
  }

  async release(): Promise<void> {
    await Promise.all(Object.values(this.s).map((s) => s.release()));
  }
}
