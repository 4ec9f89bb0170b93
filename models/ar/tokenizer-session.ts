// Runs the tokenizer's encode and decode graphs over any number of latents: the graphs have a
// static batch, so the last partial batch is padded by repeating its first item and the padding
// is dropped from the result. Sessions are made on first use.
import { type Backend, f32, type Graph, i64, type Session, type Tensor, toOnnxBytes } from '../../ml/index.ts';
import { type ArTokenizerConfig, codebookSize, tokenGrid } from './config.ts';
import { tokenizerDecodeGraph, tokenizerEncodeGraph, weightsFor } from './tokenizer.ts';

export interface TokenizerSessionOptions {
  backend: Backend;
  /** Static batch of the graphs (default 64). */
  batch?: number;
  threads?: number;
}

export class TokenizerSession {
  private encoder: Session | null = null;
  private decoder: Session | null = null;
  readonly batch: number;
  /** Values per latent (C·s·s) and tokens per latent. */
  readonly latentSize: number;
  readonly tokens: number;

  constructor(
    readonly config: ArTokenizerConfig,
    /** Every tokenizer weight (the encode and decode graphs each take their part). Read at each call. */
    public weights: Record<string, Tensor>,
    private readonly opts: TokenizerSessionOptions,
  ) {
    this.batch = opts.batch ?? 64;
    this.latentSize = config.latentChannels * config.latentSide * config.latentSide;
    this.tokens = tokenGrid(config).count;
  }

  /** n scaled latents [n, C, s, s] (flat) → token ids [n, T] (flat, int64 as bigint). */
  async encode(latents: Float32Array, n: number): Promise<BigInt64Array> {
    if (latents.length !== n * this.latentSize) throw new Error(`AR tokenizer encode: ${latents.length} values for ${n} latents of ${this.latentSize}`);
    this.encoder ??= await this.open(tokenizerEncodeGraph(this.config, this.batch).graph);
    const weights = weightsFor(this.encoder, this.weights);
    const { config: c, batch } = this;
    const out = new BigInt64Array(n * this.tokens);
    for (let i = 0; i < n; i += batch) {
      const x = new Float32Array(batch * this.latentSize);
      for (let k = 0; k < batch; k++) {
        const src = Math.min(i + k, n - 1) * this.latentSize;
        x.set(latents.subarray(src, src + this.latentSize), k * this.latentSize);
      }
      const r = await this.encoder.run({ ...weights, latent: f32([batch, c.latentChannels, c.latentSide, c.latentSide], x) }, ['indices']);
      out.set((r.indices.data as BigInt64Array).subarray(0, Math.min(batch, n - i) * this.tokens), i * this.tokens);
    }
    return out;
  }

  /** Token ids [n, T] (flat, raster order) → scaled latents [n, C, s, s] (flat). */
  async decode(indices: ArrayLike<number | bigint>, n: number): Promise<Float32Array> {
    if (indices.length !== n * this.tokens) throw new Error(`AR tokenizer decode: ${indices.length} token ids for ${n} grids of ${this.tokens}`);
    const K = codebookSize(this.config.quantizer);
    for (let i = 0; i < indices.length; i++) {
      const k = Number(indices[i]);
      if (!Number.isInteger(k) || k < 0 || k >= K) throw new Error(`AR tokenizer decode: token ${i} is ${k}, outside the codebook [0, ${K})`);
    }
    this.decoder ??= await this.open(tokenizerDecodeGraph(this.config, this.batch).graph);
    const weights = weightsFor(this.decoder, this.weights);
    const { batch, tokens } = this;
    const out = new Float32Array(n * this.latentSize);
    for (let i = 0; i < n; i += batch) {
      const ids = new BigInt64Array(batch * tokens);
      for (let k = 0; k < batch; k++) {
        const src = Math.min(i + k, n - 1) * tokens;
        for (let t = 0; t < tokens; t++) ids[k * tokens + t] = BigInt(indices[src + t]);
      }
      const r = await this.decoder.run({ ...weights, indices: i64([batch, tokens], ids) }, ['latent']);
      out.set((r.latent.data as Float32Array).subarray(0, Math.min(batch, n - i) * this.latentSize), i * this.latentSize);
    }
    return out;
  }

  async release(): Promise<void> {
    await this.encoder?.release();
    await this.decoder?.release();
    this.encoder = this.decoder = null;
  }

  private open(graph: Graph): Promise<Session> {
    return this.opts.backend.create(toOnnxBytes(graph), { threads: this.opts.threads ?? 1 });
  }
}
