// A trained GAN generator behind sessions: sampling, mapping, synthesis from every inversion space,
// conversions between spaces, and the evaluator's embeddings that inversion, pivotal tuning and the
// editing directions measure with. Sessions are made on first use, one per (graph, batch) since
// graphs have static shapes, and kept until release(). The generator's weights are fed as inputs,
// so a view with other weights (a LoRA merged in) reuses the same sessions.
// Images at this boundary are [n, 3, R, R] float32 in [0, 1]; codes are laid out as codes.ts says.
import { type Backend, f32, type Graph, GraphBuilder, Params, Rng, randn, type Session, type SessionOptions, type Tensor, toOnnxBytes, type Value } from '../../ml/index.ts';
import type { ClipConfig } from '../evaluator/config.ts';
import { ClipEmbedder } from '../evaluator/embed.ts';
import type { Tokenizer } from '../text/tokenizer.ts';
import {
  broadcastW,
  checkCode,
  checkSpace,
  concatRows,
  featureShape,
  fixedNoise,
  joinF,
  joinStyles,
  joinZ,
  oneHot,
  rows,
  splitF,
  splitStyles,
  splitZ,
  tile,
  toSigned,
  toUnit,
} from './codes.ts';
import { checkGanConfig, type GanConfig, levelsOf, noiseInputs, numWs } from './config.ts';
import { Generator } from './generator.ts';
import { type GanSpace, generatorGraph, mappingGraph, W_AVG } from './graphs.ts';
import { invert, type InversionOptions, type InversionResult } from './invert.ts';
import { applyLora, pivotalTuning, type PivotalTuningOptions, type PivotalTuningResult } from './pti.ts';

export interface GanModelOptions {
  name: string;
  config: GanConfig;
  /** Sub-category names, one per class of the mapping network (e.g. 'animal-mammal'). */
  classes: string[];
  /** The generator's weights: every g.* and g.mapping.w_avg. */
  generator: Record<string, Tensor>;
  /** The evaluator (both towers): the perceptual loss, text directions and class prompts use it. */
  evaluator: { config: ClipConfig; weights: Record<string, Tensor> };
  backend: Backend;
  threads?: number;
  /** The level whose input features the F space holds (default 2: 16×16 features). */
  featureLevel?: number;
  /** Encodes prompts for the evaluator's text tower (text directions, classForPrompt). */
  tokenizer?: Tokenizer;
}

export interface RenderOptions {
  /** Seed of the fixed per-layer noise (default 0): the same seed gives the same image. */
  noiseSeed?: number;
  /** Explicit noise maps [n, 1, side, side] (an inversion that optimized them returns these). */
  noise?: Record<string, Tensor>;
  /** Truncation towards w_avg for Z, W and W+ codes (1 = none); S and F codes ignore it. */
  psi?: number;
}

/** Images per synthesis run; larger requests go in chunks of this size. */
const CHUNK = 16;
const MAP_CHUNK = 64;

interface Compiled {
  session: Session;
  inputs: readonly string[];
}

/** What views of one model share: the sessions and the evaluator's embedder. */
interface Shared {
  sessions: Map<string, Promise<Compiled>>;
  embedder: Promise<ClipEmbedder> | null;
}

export class GanModel {
  readonly name: string;
  readonly config: GanConfig;
  readonly classes: readonly string[];
  readonly generator: Readonly<Record<string, Tensor>>;
  readonly evaluator: { config: ClipConfig; weights: Record<string, Tensor> };
  readonly backend: Backend;
  readonly sessionOptions: SessionOptions;
  readonly featureLevel: number;
  readonly tokenizer: Tokenizer | undefined;

  private constructor(
    o: GanModelOptions,
    private readonly shared: Shared,
    private readonly owner: boolean,
  ) {
    this.name = o.name;
    this.config = o.config;
    this.classes = o.classes;
    this.generator = o.generator;
    this.evaluator = o.evaluator;
    this.backend = o.backend;
    this.sessionOptions = o.threads ? { threads: o.threads } : {};
    this.featureLevel = o.featureLevel ?? Math.min(2, levelsOf(o.config) - 1);
    this.tokenizer = o.tokenizer;
  }

  static create(o: GanModelOptions): GanModel {
    const c = o.config;
    checkGanConfig(c);
    if (o.classes.length !== c.classes) throw new Error(`GAN "${o.name}": ${o.classes.length} class names for a generator of ${c.classes} classes`);
    checkGeneratorWeights(c, o.generator, o.name);
    featureShape(c, o.featureLevel ?? Math.min(2, levelsOf(c) - 1));
    if (o.evaluator.config.imageSize !== c.resolution)
      throw new Error(`GAN "${o.name}": the evaluator takes ${o.evaluator.config.imageSize}×${o.evaluator.config.imageSize} images but the generator makes ${c.resolution}×${c.resolution}`);
    if (o.tokenizer && o.tokenizer.maxLength !== o.evaluator.config.maxLength)
      throw new Error(`GAN "${o.name}": the tokenizer encodes ${o.tokenizer.maxLength} tokens but the evaluator's text tower reads ${o.evaluator.config.maxLength}`);
    return new GanModel(o, { sessions: new Map(), embedder: null }, true);
  }

  /**
   * The same model with other generator weights (a LoRA merged in), sharing this model's sessions.
   * Releasing the view releases nothing; release the model it came from.
   */
  withWeights(generator: Record<string, Tensor>, name = this.name): GanModel {
    checkGeneratorWeights(this.config, generator, name);
    const o: GanModelOptions = {
      name,
      config: this.config,
      classes: [...this.classes],
      generator,
      evaluator: this.evaluator,
      backend: this.backend,
      threads: this.sessionOptions.threads,
      featureLevel: this.featureLevel,
      tokenizer: this.tokenizer,
    };
    return new GanModel(o, this.shared, false);
  }

  get wAvg(): Float32Array {
    return this.generator[W_AVG].data as Float32Array;
  }

  get numWs(): number {
    return numWs(this.config);
  }

  async release(): Promise<void> {
    if (!this.owner) return;
    const all = [...this.shared.sessions.values()];
    this.shared.sessions.clear();
    const embedder = this.shared.embedder;
    this.shared.embedder = null;
    await Promise.all([...all.map(async (p) => (await p).session.release()), embedder?.then((e) => e.release())]);
  }

  private compiled(key: string, build: () => Graph): Promise<Compiled> {
    let s = this.shared.sessions.get(key);
    if (!s) {
      const graph = build();
      s = this.backend.create(toOnnxBytes(graph), this.sessionOptions).then((session) => ({ session, inputs: [...graph.inputs] }));
      this.shared.sessions.set(key, s);
    }
    return s;
  }

  /** Runs a cached graph, feeding the generator weights it takes. */
  private async run(key: string, build: () => Graph, feeds: Record<string, Tensor>, fetch: string[]): Promise<Record<string, Tensor>> {
    const { session, inputs } = await this.compiled(key, build);
    const all: Record<string, Tensor> = {};
    for (const n of inputs) if (this.generator[n]) all[n] = this.generator[n];
    return session.run(Object.assign(all, feeds), fetch);
  }

  /** Fixed noise maps for n images (see codes.ts fixedNoise). */
  noise(seed: number, n: number): Record<string, Tensor> {
    return fixedNoise(this.config, seed, n);
  }

  /**
   * Seeded z [n, zDim] and, when conditioned, classes: each given index is used, each null or
   * missing entry drawn from the seed. The same seed gives the same draws.
   */
  drawZ(n: number, seed: number, classes?: readonly (number | null)[]): { z: Tensor; cls: Tensor | null; classes: number[] } {
    const c = this.config;
    const z = randn([n, c.zDim], new Rng(seed));
    if (!c.classes) {
      if (classes?.some((k) => k !== null)) throw new Error(`GAN "${this.name}" is unconditioned: it takes no class`);
      return { z, cls: null, classes: [] };
    }
    const rng = new Rng(seed ^ 0x5bd1e995);
    const ks = Array.from({ length: n }, (_, i) => classes?.[i] ?? rng.int(c.classes));
    return { z, cls: oneHot(c, ks), classes: ks };
  }

  /** A seeded Z code [n, zDim + classes]. */
  sampleZ(o: { n: number; seed?: number; classes?: readonly (number | null)[] }): Tensor {
    const { z, cls } = this.drawZ(o.n, o.seed ?? 0, o.classes);
    return joinZ(z, cls);
  }

  /** w_avg + ψ·(w − w_avg), row by row, for [n, wDim] or [n, numWs, wDim]. */
  truncate(w: Tensor, psi: number): Tensor {
    if (psi === 1) return w;
    const avg = this.wAvg;
    const D = avg.length;
    return f32(w.shape, (w.data as Float32Array).map((v, i) => avg[i % D] + psi * (v - avg[i % D])));
  }

  /** z [n, zDim] (+ one-hot class [n, classes]) → w [n, wDim], truncated by ψ around w_avg. */
  async mapZ(z: Tensor, cls: Tensor | null, psi = 1): Promise<Tensor> {
    const c = this.config;
    const n = z.shape[0];
    if (z.shape.length !== 2 || z.shape[1] !== c.zDim) throw new Error(`z [${z.shape}] is for another generator: this one takes [N, ${c.zDim}]`);
    if (c.classes && (!cls || cls.shape[0] !== n || cls.shape[1] !== c.classes)) throw new Error(`GAN "${this.name}" is conditioned on ${c.classes} classes: give a one-hot class [${n}, ${c.classes}]`);
    if (!c.classes && cls) throw new Error(`GAN "${this.name}" is unconditioned: it takes no class`);
    const B = Math.min(n, MAP_CHUNK);
    const out: Tensor[] = [];
    for (let at = 0; at < n; at += B) {
      const k = Math.min(B, n - at);
      const feeds: Record<string, Tensor> = { z: rows(z, at, at + k, B) };
      if (cls) feeds.class = rows(cls, at, at + k, B);
      const r = await this.run(`map:${B}`, () => mappingGraph(c, B).graph, feeds, ['w']);
      out.push(rows(r.w, 0, k));
    }
    return this.truncate(concatRows(out), psi);
  }

  /** n mapped w [n, wDim] from seeded z (and classes), truncated by ψ. */
  async sample(o: { n: number; seed?: number; classes?: readonly (number | null)[]; psi?: number }): Promise<Tensor> {
    const { z, cls } = this.drawZ(o.n, o.seed ?? 0, o.classes);
    return this.mapZ(z, cls, o.psi ?? 1);
  }

  /** The generator's raw output [n, C, R, R] (about [−1, 1]) for a code of any space. */
  async render(space: GanSpace, value: Tensor, o: RenderOptions = {}): Promise<Tensor> {
    const c = this.config;
    checkSpace(space);
    const n = checkCode(c, space, value, this.featureLevel);
    const psi = o.psi ?? 1;
    const noise = o.noise ?? this.noise(o.noiseSeed ?? 0, n);
    for (const { name, side } of noiseInputs(c)) {
      const t = noise[name];
      if (!t || t.shape.join() !== [n, 1, side, side].join()) throw new Error(`noise "${name}" should be [${n}, 1, ${side}, ${side}], got ${t ? `[${t.shape}]` : 'nothing'}`);
    }
    const inputs = this.spaceInputs(space, value, psi);
    const B = Math.min(n, CHUNK);
    const level = this.featureLevel;
    const out: Tensor[] = [];
    for (let at = 0; at < n; at += B) {
      const k = Math.min(B, n - at);
      const feeds: Record<string, Tensor> = {};
      for (const [name, t] of Object.entries({ ...inputs, ...noise })) feeds[name] = t.shape.length && t.shape[0] === n ? rows(t, at, at + k, B) : t;
      const r = await this.run(`gen:${space}:${B}`, () => generatorGraph(c, B, { space, featureLevel: level }).graph, feeds, ['image']);
      out.push(rows(r.image, 0, k));
    }
    return concatRows(out);
  }

  /** The generator graph's inputs for a code (noise aside). */
  private spaceInputs(space: GanSpace, value: Tensor, psi: number): Record<string, Tensor> {
    const c = this.config;
    switch (space) {
      case 'z': {
        const { z, cls } = splitZ(c, value);
        return { z, ...(cls ? { class: cls } : {}), psi: f32([1], [psi]) };
      }
      case 'w':
        return { w: this.truncate(value, psi) };
      case 'w+':
        return { ws: this.truncate(value, psi) };
      case 's':
        return Object.fromEntries(splitStyles(c, value).map((s, i) => [`style_${i}`, s]));
      case 'f': {
        const { features, skip, ws } = splitF(c, value, this.featureLevel);
        return { features, skip, ws };
      }
    }
  }

  /** Images [n, 3, R, R] in [0, 1] from a code of any space. */
  async synthesize(space: GanSpace, value: Tensor, o: RenderOptions = {}): Promise<Tensor> {
    return toUnit(await this.render(space, value, o));
  }

  /** Each modulated layer's style [n, Cin] for W+ [n, numWs, wDim]. */
  async stylesOf(ws: Tensor): Promise<Tensor[]> {
    const n = checkCode(this.config, 'w+', ws, this.featureLevel);
    const c = this.config;
    const names = styleNames(c);
    const r = await this.run(`styles:${n}`, () => stylesGraph(c, n), { ws }, names);
    return names.map((k) => r[k]);
  }

  /**
   * The synthesis's state entering the F level for W+ [n, numWs, wDim] under the given noise: the
   * features [n, Cf, Sf, Sf] and the RGB skip [n, C, Sf, Sf], the F code's first two parts.
   */
  async featuresOf(ws: Tensor, noise: Record<string, Tensor>): Promise<{ features: Tensor; skip: Tensor }> {
    const n = checkCode(this.config, 'w+', ws, this.featureLevel);
    const c = this.config;
    const level = this.featureLevel;
    const r = await this.run(`features:${level}:${n}`, () => featuresGraph(c, n, level), { ws, ...noise }, ['features', 'skip']);
    return { features: r.features, skip: r.skip };
  }

  /**
   * The code of w [n, wDim] in another space: W+ repeats it, S applies every layer's affine, F runs
   * the synthesis up to the feature level (under the noise of `noiseSeed`), so each renders w's image
   * (F under that same noise). Z has no way back.
   */
  async fromW(space: GanSpace, w: Tensor, o: { noiseSeed?: number; noise?: Record<string, Tensor> } = {}): Promise<Tensor> {
    const n = checkCode(this.config, 'w', w, this.featureLevel);
    switch (checkSpace(space)) {
      case 'z':
        throw new Error('a w has no Z code (the mapping network is not invertible): invert the images in Z instead');
      case 'w':
        return w;
      case 'w+':
        return broadcastW(this.config, w);
      case 's':
        return joinStyles(await this.stylesOf(broadcastW(this.config, w)));
      case 'f': {
        const ws = broadcastW(this.config, w);
        const { features, skip } = await this.featuresOf(ws, o.noise ?? this.noise(o.noiseSeed ?? 0, n));
        return joinF(features, skip, ws);
      }
    }
  }

  /** w_avg repeated n times, as a code of the space (Z excepted). */
  avgCode(space: GanSpace, n: number, o: { noiseSeed?: number; noise?: Record<string, Tensor> } = {}): Promise<Tensor> {
    return this.fromW(space, tile(this.wAvg, n, [this.config.wDim]), o);
  }

  /** The pack's evaluator, made once and shared by every view of this model. */
  embedder(): Promise<ClipEmbedder> {
    this.shared.embedder ??= ClipEmbedder.create(this.evaluator.config, this.evaluator.weights, { backend: this.backend, batch: CHUNK, session: this.sessionOptions });
    return this.shared.embedder;
  }

  /** The evaluator's normalized image embeddings [n, embedDim] of images [n, 3, R, R] in [0, 1]. */
  async embedImages(images: Tensor): Promise<Tensor> {
    const [n, ch, h, w] = images.shape;
    const R = this.config.resolution;
    if (images.shape.length !== 4 || ch !== 3 || h !== R || w !== R) throw new Error(`images [${images.shape}] do not fit GAN "${this.name}": it works on [N, 3, ${R}, ${R}]`);
    const { embedding: e } = await (await this.embedder()).embedImages(toSigned(images).data as Float32Array, n);
    return f32([n, e.dim], e.data);
  }

  /** The evaluator's normalized text embeddings [n, embedDim] of prompts. */
  async embedTexts(texts: readonly string[]): Promise<Tensor> {
    if (!this.tokenizer) throw new Error(`GAN "${this.name}" was loaded without a tokenizer: prompts cannot be read`);
    const e = await (await this.embedder()).embedTexts(texts.map((t) => this.tokenizer!.encode(t).ids));
    return f32([texts.length, e.dim], e.data);
  }

  /** Optimization-based inversion of images into a space (see invert.ts). */
  invert(space: GanSpace, images: Tensor, o: InversionOptions): Promise<InversionResult> {
    return invert(this, space, images, o);
  }

  /** Pivotal tuning: W pivots, then LoRA on the modulated convolutions (see pti.ts). */
  pivotalTuning(images: Tensor, o: PivotalTuningOptions): Promise<PivotalTuningResult> {
    return pivotalTuning(this, images, o);
  }

  /** This model with a GAN LoRA merged in at `scale`; refuses adapters made for another model. */
  withLora(lora: { tensors: Record<string, Tensor>; meta: Record<string, string> }, scale = 1): GanModel {
    return applyLora(this, lora, scale);
  }
}

/** Every weight the generator's graphs read, present and of the right shape. */
function checkGeneratorWeights(c: GanConfig, weights: Record<string, Tensor>, name: string): void {
  const { p } = generatorGraph(c, 1, { space: 'z' });
  for (const n of [...p.names(), W_AVG]) {
    const t = weights[n];
    const want = n === W_AVG ? [c.wDim] : p.get(n).init.shape;
    if (!t) throw new Error(`GAN "${name}": no generator weight "${n}"`);
    if (t.shape.join() !== want.join()) throw new Error(`GAN "${name}": weight "${n}" is [${t.shape}] but the config needs [${want}]: the weights are for another generator`);
  }
}

const styleNames = (c: GanConfig) => Array.from({ length: 3 * levelsOf(c) - 1 }, (_, i) => `style_${i}`);

/** 'ws' [n, numWs, wDim] → 'style_<i>' [n, Cin_i], the S code's parts. */
function stylesGraph(c: GanConfig, n: number): Graph {
  const b = new GraphBuilder('gan-styles');
  const g = new Generator(new Params(b), 'g', c);
  const styles = g.synthesis.styles(b.input('ws', 'float32', [n, numWs(c), c.wDim]));
  styles.forEach((s, i) => b.output(s, `style_${i}`));
  return b.build();
}

/**
 * 'ws' and the noises → 'features' and 'skip': the synthesis's state entering level `level` (its
 * conv0 input and the RGB sum so far, both upsampled to its side), where the F space's graph starts.
 */
function featuresGraph(c: GanConfig, n: number, level: number): Graph {
  const b = new GraphBuilder('gan-features');
  const syn = new Generator(new Params(b), 'g', c).synthesis;
  const noise: Record<string, Value> = Object.fromEntries(noiseInputs(c).map(({ name, side }) => [name, b.input(name, 'float32', [n, 1, side, side])]));
  const { features, skip } = syn.stateAt(syn.styles(b.input('ws', 'float32', [n, numWs(c), c.wDim])), noise, level);
  b.output(features, 'features');
  b.output(skip, 'skip');
  return b.build();
}
