// Inference with the learned GAN encoder: images → W+ in k ReStyle passes. Pass 1 starts at the
// mean code (w_avg at every entry) and its image G(w_avg); each pass adds the encoder's offset and
// re-renders, so the reconstructions of every pass come for free and are returned too.
// EncoderPasses holds the session (one pass graph at a fixed batch, the generator's weights
// written in as constants) and is shared with the trainer; GanImageEncoder keeps one for a model
// until released; encodeImages is the one-call form. Images go through in chunks of the batch.
import { type Backend, f32, freezeWeights, type Session, type Tensor, toOnnxBytes } from '../../ml/index.ts';
import { type GanConfig, numWs } from './config.ts';
import { checkEncoderFits, ENC_IO, encoderPassGraph, type GanEncoderConfig, fixedNoiseGeneratorGraph } from './encoder.ts';
import { W_AVG } from './graphs.ts';

/** A wrong input to the encoder: its shape, value range or channel count (names what was wrong). */
export class GanEncodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GanEncodeError';
  }
}

export interface EncoderModel {
  encoderConfig: GanEncoderConfig;
  /** 'encoder.*' weights. */
  encoderWeights: Record<string, Tensor>;
  ganConfig: GanConfig;
  /** The generator's 'g.*' weights and 'g.mapping.w_avg'. */
  generatorWeights: Record<string, Tensor>;
  backend: Backend;
  threads?: number;
}

/** A code and its image per sample: W+ [B, numWs, wDim] and G(W+) [B, C, R, R] (about [−1, 1]). */
export interface CodeAndImage {
  ws: Tensor;
  image: Tensor;
}

const tile = (t: Tensor, n: number): Tensor => {
  const per = t.data.length;
  const out = new Float32Array(n * per);
  for (let k = 0; k < n; k++) out.set(t.data as Float32Array, k * per);
  return f32([n, ...t.shape], out);
};

/**
 * The encoder's passes at a fixed batch. Encoder weights are fed on every call (a trainer changes
 * them each step); the generator is frozen into the session.
 */
export class EncoderPasses {
  private constructor(
    readonly batch: number,
    private readonly session: Session,
    private readonly startCode: CodeAndImage,
  ) {}

  static async create(o: Omit<EncoderModel, 'encoderWeights'> & { batch: number }): Promise<EncoderPasses> {
    const { encoderConfig: e, ganConfig: g, generatorWeights: gw, batch } = o;
    checkEncoderFits(e, g);
    const wAvg = gw[W_AVG];
    if (!wAvg || wAvg.data.length !== g.wDim) throw new Error(`GAN encoder: the generator weights have no ${W_AVG} [${g.wDim}] (the start of pass 1)`);
    const threads = { threads: o.threads ?? 1 };
    // The start: w_avg at every entry, and its image (fixed noise: the same for every sample).
    const w1 = tile(f32([g.wDim], wAvg.data as Float32Array), numWs(g));
    const start = await o.backend.create(toOnnxBytes(freezeWeights(fixedNoiseGeneratorGraph(g, 1).graph, gw)), threads);
    let image: Tensor;
    try {
      image = (await start.run({ ws: f32([1, ...w1.shape], w1.data as Float32Array) }, ['image'])).image;
    } finally {
      await start.release();
    }
    const session = await o.backend.create(toOnnxBytes(freezeWeights(encoderPassGraph(e, g, batch).graph, gw)), threads);
    return new EncoderPasses(batch, session, { ws: tile(w1, batch), image: tile(f32(image.shape.slice(1), image.data as Float32Array), batch) });
  }

  /** The start of pass 1 for a whole batch (copies: callers may write into them). */
  start(): CodeAndImage {
    const c = (t: Tensor) => f32(t.shape, (t.data as Float32Array).slice());
    return { ws: c(this.startCode.ws), image: c(this.startCode.image) };
  }

  /** One pass: target [B, C, R, R] in [−1, 1] and the current code and image → the refined ones. */
  async pass(encoderWeights: Record<string, Tensor>, target: Tensor, current: CodeAndImage): Promise<CodeAndImage> {
    const out = await this.session.run({ ...encoderWeights, [ENC_IO.target]: target, [ENC_IO.current]: current.image, [ENC_IO.ws]: current.ws }, [ENC_IO.wsOut, ENC_IO.image]);
    return { ws: out[ENC_IO.wsOut], image: out[ENC_IO.image] };
  }

  /** `passes` passes from the start; returns the state after each. */
  async run(encoderWeights: Record<string, Tensor>, target: Tensor, passes: number): Promise<CodeAndImage[]> {
    const out: CodeAndImage[] = [];
    let cur = this.start();
    for (let k = 0; k < passes; k++) out.push((cur = await this.pass(encoderWeights, target, cur)));
    return out;
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}

/** Checks images [n, C, R, R] float32 in [0, 1] for this encoder; throws GanEncodeError naming the problem. */
export function checkImages(images: Tensor, e: GanEncoderConfig): void {
  const { resolution: R, imageChannels: C } = e;
  if (images.dtype !== 'float32') throw new GanEncodeError(`GAN encoder: images are ${images.dtype}, not float32 in [0, 1]`);
  const s = images.shape;
  if (s.length !== 4) throw new GanEncodeError(`GAN encoder: images are [${s}], not a batch [N, ${C}, ${R}, ${R}]`);
  if (s[1] !== C) {
    const mode = s[1] === 1 ? 'greyscale' : s[1] === 4 ? 'RGBA' : `${s[1]}-channel`;
    throw new GanEncodeError(`GAN encoder: images are ${mode} ([${s}]); this generator makes ${C === 3 ? 'RGB' : `${C}-channel`} images [N, ${C}, ${R}, ${R}]${s[1] === 4 ? ' (composite them on a background first)' : ''}`);
  }
  if (s[2] !== R || s[3] !== R) throw new GanEncodeError(`GAN encoder: images are ${s[3]}×${s[2]} ([${s}]); this generator works at ${R}×${R} (resize them first)`);
  if (s[0] < 1) throw new GanEncodeError('GAN encoder: no images');
  const d = images.data as Float32Array;
  for (let i = 0; i < d.length; i++)
    if (!(d[i] >= -1e-3 && d[i] <= 1 + 1e-3)) throw new GanEncodeError(`GAN encoder: pixel ${i} is ${d[i]}; images must be in [0, 1]`);
}

export interface EncodeOptions {
  /** ReStyle passes (default 1); each refines the previous code. */
  passes?: number;
  /** Samples per session run (default min(n, 8)). */
  batch?: number;
}

export interface EncodeResult {
  /** W+ [n, numWs, wDim] after the last pass. */
  ws: Tensor;
  /** The reconstruction after each pass, [n, C, R, R] in [0, 1] (clipped). */
  reconstructions: Tensor[];
}

/** Images [n, C, R, R] in [0, 1] → W+ codes (and each pass's reconstruction), in chunks of `batch`. */
export async function encodeWith(passes: EncoderPasses, encoderWeights: Record<string, Tensor>, e: GanEncoderConfig, images: Tensor, k: number): Promise<EncodeResult> {
  checkImages(images, e);
  if (!(Number.isInteger(k) && k >= 1 && k <= 32)) throw new GanEncodeError(`GAN encoder: ${k} passes (1 … 32)`);
  const n = images.shape[0];
  const per = images.data.length / n;
  const B = passes.batch;
  const wsPer = e.numWs * e.wDim;
  const ws = new Float32Array(n * wsPer);
  const recon = Array.from({ length: k }, () => new Float32Array(n * per));
  const src = images.data as Float32Array;
  for (let start = 0; start < n; start += B) {
    const m = Math.min(B, n - start);
    const x = new Float32Array(B * per);
    for (let i = 0; i < m * per; i++) x[i] = src[start * per + i] * 2 - 1;
    const states = await passes.run(encoderWeights, f32([B, ...images.shape.slice(1)], x), k);
    ws.set((states[k - 1].ws.data as Float32Array).subarray(0, m * wsPer), start * wsPer);
    states.forEach((s, j) => {
      const img = s.image.data as Float32Array;
      for (let i = 0; i < m * per; i++) recon[j][start * per + i] = Math.min(1, Math.max(0, (img[i] + 1) / 2));
    });
  }
  return { ws: f32([n, e.numWs, e.wDim], ws), reconstructions: recon.map((r) => f32(images.shape, r)) };
}

/**
 * An encoder ready to use: sessions made on first use at one batch size and kept until release()
 * (a node encodes several image sets with one model).
 */
export class GanImageEncoder {
  private passes: Promise<EncoderPasses> | null = null;

  constructor(
    readonly model: EncoderModel,
    readonly batch = 8,
  ) {
    checkEncoderFits(model.encoderConfig, model.ganConfig);
  }

  async encode(images: Tensor, opts: Omit<EncodeOptions, 'batch'> = {}): Promise<EncodeResult> {
    checkImages(images, this.model.encoderConfig);
    this.passes ??= EncoderPasses.create({ ...this.model, batch: this.batch });
    return encodeWith(await this.passes, this.model.encoderWeights, this.model.encoderConfig, images, opts.passes ?? 1);
  }

  async release(): Promise<void> {
    const p = this.passes;
    this.passes = null;
    if (p) await (await p).release();
  }
}

/** One call: makes the sessions (at a batch that fits the images), encodes, releases them. */
export async function encodeImages(model: EncoderModel, images: Tensor, opts: EncodeOptions = {}): Promise<EncodeResult> {
  checkImages(images, model.encoderConfig);
  const enc = new GanImageEncoder(model, opts.batch ?? Math.min(images.shape[0], 8));
  try {
    return await enc.encode(images, opts);
  } finally {
    await enc.release();
  }
}
