// Images in and out of an AR pack, for its evaluation: captions → token grids (the transformer,
// with or without the key/value cache) → latents (the image tokenizer's decoder) → pixels (the VAE
// decoder); and the tokenizer's round trip, image → VAE posterior mean → tokens → latent → pixels,
// beside the VAE's own reconstruction (the ceiling the tokenizer can at best reach). Pixels are
// NCHW float32 in [−1, 1], as the other evaluations and the evaluator take them.
import { nodeBackend } from '../../ml/session/node.ts';
import type { LoadedArPack } from '../ar/pack.ts';
import { ArSampler, type LogitsFilter } from '../ar/sample.ts';
import { TokenizerSession } from '../ar/tokenizer-session.ts';
import type { PixelStore } from '../data/pixels.ts';
import { Tokenizer } from '../text/tokenizer.ts';
import { VaeDecoderSession } from './vae-decode.ts';
import { VaeReconstructor } from './vae-reconstruct.ts';

export interface ArSampling extends LogitsFilter {
  guidance: number;
}

/** One seed for the first item (item k draws from seed + k), or one per item. */
export type Seeds = number | readonly number[];

export interface RoundTrip {
  /** The images [n, 3, R, R]. */
  input: Float32Array;
  /** Through the VAE alone (posterior mean → decoder), unclamped. */
  vae: Float32Array;
  /** Through the VAE, the tokenizer's encoder and quantizer, its decoder and the VAE decoder. */
  tokens: Float32Array;
  /** The token grids [n·T] the images encode to. */
  codes: BigInt64Array;
  n: number;
}

export class ArImages {
  private reconstructor: VaeReconstructor | null = null;

  private constructor(
    private readonly pack: LoadedArPack & Required<Pick<LoadedArPack, 'imageTokenizer' | 'transformer' | 'textEncoder' | 'vae'>>,
    private readonly sampler: ArSampler,
    private readonly tokenizer: TokenizerSession,
    private readonly decoder: VaeDecoderSession,
    readonly captions: Tokenizer,
    private readonly o: { threads: number; batch: number },
  ) {}

  /** The pack must hold its image tokenizer, transformer, text encoder and VAE. */
  static async create(pack: LoadedArPack, o: { threads: number; batch: number }): Promise<ArImages> {
    const { imageTokenizer, transformer, textEncoder, vae } = pack;
    if (!imageTokenizer || !transformer || !textEncoder || !vae) {
      const missing = (['imageTokenizer', 'transformer', 'textEncoder', 'vae'] as const).filter((c) => !pack[c]);
      throw new Error(`the AR pack was loaded without ${missing.join(', ')}, which its images need`);
    }
    const session = { threads: o.threads };
    const sampler = ArSampler.create(pack.model, { ...transformer, ...textEncoder.weights }, { backend: nodeBackend, session });
    const tokenizer = new TokenizerSession(imageTokenizer.config, imageTokenizer.weights, { backend: nodeBackend, threads: o.threads, batch: o.batch });
    const decoder = await VaeDecoderSession.create(vae.config, vae.weights, pack.scalingFactor, nodeBackend, { batch: o.batch, session });
    return new ArImages({ ...pack, imageTokenizer, transformer, textEncoder, vae }, sampler, tokenizer, decoder, new Tokenizer(pack.tokenizer), o);
  }

  get resolution(): number {
    return this.pack.vae.config.resolution;
  }

  /** Token grids for the captions ([n·T], raster order); item k draws from seed + k, or from seed[k]. */
  async sampleTokens(captions: readonly string[], seed: Seeds, s: ArSampling, cache = true): Promise<Int32Array> {
    const ids = captions.map((c) => this.captions.encode(c).ids);
    return (await this.sampler.sample(ids, { ...s, seed, cache })).tokens;
  }

  /**
   * Opens the sampler's graphs for a batch of `n` without timing them: every token but the first
   * is kept, so each path runs a single pass.
   */
  async warmUp(n: number, s: ArSampling): Promise<void> {
    const T = this.tokenizer.tokens;
    const mask = Uint8Array.from({ length: n * T }, (_, i) => (i % T === 0 ? 0 : 1));
    const ids = Array.from({ length: n }, () => this.captions.encode('').ids);
    for (const cache of [true, false]) await this.sampler.sample(ids, { ...s, seed: 0, cache, keep: { tokens: new Int32Array(n * T), mask } });
  }

  /** Token grids → images [n, 3, R, R] clamped to [−1, 1]. */
  async decode(tokens: ArrayLike<number | bigint>, n: number): Promise<Float32Array> {
    return this.decoder.decode(await this.tokenizer.decode(tokens, n), n);
  }

  /** Images for the captions, `batch` at a time; item k draws from seed + k (or seed[k]) whatever the batch. */
  async generate(captions: readonly string[], seed: Seeds, s: ArSampling, onBatch?: (done: number) => void): Promise<Float32Array> {
    if (typeof seed !== 'number' && seed.length !== captions.length) throw new Error(`AR images: ${seed.length} seeds for ${captions.length} captions`);
    const per = 3 * this.resolution ** 2;
    const out = new Float32Array(captions.length * per);
    for (let i = 0; i < captions.length; i += this.o.batch) {
      const part = captions.slice(i, i + this.o.batch);
      const seeds = typeof seed === 'number' ? seed + i : seed.slice(i, i + part.length);
      out.set(await this.decode(await this.sampleTokens(part, seeds, s), part.length), i * per);
      onBatch?.(i + part.length);
    }
    return out;
  }

  /** The tokenizer's round trip of the images `indices` of the store, beside the VAE's own. */
  async roundTrip(store: PixelStore, indices: readonly number[]): Promise<RoundTrip> {
    const { vae, scalingFactor } = this.pack;
    this.reconstructor ??= await VaeReconstructor.create(vae.config, this.o.threads, this.o.batch);
    const r = await this.reconstructor.run(vae.weights, store, indices);
    const codes = await this.tokenizer.encode(r.mean.map((v) => v * scalingFactor), r.n);
    return { input: r.input, vae: r.output, tokens: await this.decode(codes, r.n), codes, n: r.n };
  }

  async release(): Promise<void> {
    await Promise.all([this.sampler.release(), this.tokenizer.release(), this.decoder.release(), this.reconstructor?.release()]);
  }
}
