// The text-to-image model behind sessions: prompt ids → context (text encoder) and
// (latents, t, context) → ε̂ (UNet), with sessions made per batch size on first use (graphs have
// static shapes). The backend is injected, so the same code runs on onnxruntime-node and -web.
import { type Backend, f32, type Graph, i64, type Session, type SessionOptions, type Tensor, toOnnxBytes } from '../../ml/index.ts';
import type { ContextEpsFn } from './guidance.ts';
import { type BuildOptions, type DiffusionConfig, textEncoderGraph, unetGraph } from './graphs.ts';
import { lookupTokens } from './text-encoder.ts';

export interface DiffusionWeights {
  /** 'text.*' weights, the token table included. */
  text: Record<string, Tensor>;
  /** 'unet.*' weights (and LoRA A/B when `lora` is set). */
  unet: Record<string, Tensor>;
}

export interface PipelineOptions {
  backend: Backend;
  session?: SessionOptions;
  /** Build the UNet with LoRA adapters (their weights must then be in `weights.unet`). */
  lora?: BuildOptions['lora'];
}

export class TextToImage {
  private readonly textSessions = new Map<number, Promise<Session>>();
  private readonly unetSessions = new Map<number, Promise<Session>>();
  private readonly textFeeds: Record<string, Tensor>;

  constructor(
    readonly config: DiffusionConfig,
    readonly weights: DiffusionWeights,
    private readonly opts: PipelineOptions,
  ) {
    const { 'text.token_embedding.weight': _table, ...rest } = weights.text;
    this.textFeeds = rest;
  }

  get contextSize(): number {
    return this.config.text.maxLength * this.config.text.dim;
  }

  /** Token embeddings of prompts (ids [B][L]) from the table: what Textual Inversion edits. */
  embedTokens(ids: readonly (readonly number[])[]): Float32Array {
    const table = this.weights.text['text.token_embedding.weight'];
    return lookupTokens(table.data as Float32Array, this.config.text.dim, ids.flat());
  }

  /** Context [B, L, D] (flat) of token embeddings [B, L, D]. */
  async encodeEmbeddings(embeds: Float32Array): Promise<Float32Array> {
    const { maxLength: L, dim: D } = this.config.text;
    const batch = embeds.length / (L * D);
    const s = await this.session(this.textSessions, batch, () => textEncoderGraph(this.config, batch).graph);
    const out = await s.run({ ...this.textFeeds, token_embeds: f32([batch, L, D], embeds) }, ['context']);
    return out.context.data as Float32Array;
  }

  encodeIds(ids: readonly (readonly number[])[]): Promise<Float32Array> {
    return this.encodeEmbeddings(this.embedTokens(ids));
  }

  /** ε̂ for a batch: the ContextEpsFn that guidance and the samplers wrap. */
  readonly predictEps: ContextEpsFn = async (x, t, context) => {
    const u = this.config.unet;
    const per = u.latentChannels * u.latentSize * u.latentSize;
    const batch = x.length / per;
    if (!Number.isInteger(batch) || context.length !== batch * this.contextSize)
      throw new Error(`predictEps: ${x.length} latent values and ${context.length} context values do not make one batch`);
    const s = await this.session(this.unetSessions, batch, () => unetGraph(this.config, batch, { lora: this.opts.lora }).graph);
    const { maxLength: L, dim: D } = this.config.text;
    const out = await s.run(
      {
        ...this.weights.unet,
        latents: f32([batch, u.latentChannels, u.latentSize, u.latentSize], x),
        timesteps: i64([batch], new Array(batch).fill(t)),
        context: f32([batch, L, D], context),
      },
      ['eps'],
    );
    return out.eps.data as Float32Array;
  };

  async release(): Promise<void> {
    for (const m of [this.textSessions, this.unetSessions]) {
      for (const s of m.values()) await (await s).release();
      m.clear();
    }
  }

  private session(cache: Map<number, Promise<Session>>, batch: number, graph: () => Graph): Promise<Session> {
    let s = cache.get(batch);
    if (!s) {
      s = this.opts.backend.create(toOnnxBytes(graph()), this.opts.session);
      cache.set(batch, s);
    }
    return s;
  }
}
