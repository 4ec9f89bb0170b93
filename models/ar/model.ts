// A loaded AR pack behind sessions: images ↔ token grids (the VAE, then the image tokenizer, in one
// exact pass each way), sampling with adapters, and the per-token likelihood that every learned
// method of the family minimises. Sessions are made on first use, one per graph and batch (graphs
// have static shapes), and kept until release(). Images at this boundary are [N, 3, R, R] float32 in
// [0, 1]; token grids are int32 [N, side, side] of codes in [0, codebookSize).
//
// Adapters: LoRA stacks are folded into the transformer's weights (W += s·(α/r)·B·A) and sampled
// with a sampler of their own (a few kept, the oldest released); learned prefix tokens are fed to
// shared sessions; learned words replace their placeholder's row of the caption's token embeddings.
import { type Backend, f32, type Session, SessionCache, type SessionOptions, type Tensor, tensor, toOnnxBytes } from '../../ml/index.ts';
import { lookupTokens } from '../diffusion/text-encoder.ts';
import { buildVaeDecode, buildVaeEncode, latentSide, type VaeConfig } from '../diffusion/vae.ts';
import { PackError } from '../pack/load.ts';
import { mergeLoras } from '../personalize/lora-file.ts';
import { bindPlaceholders, encodeWithPlaceholders, type PlaceholderIds, slotOf, toSlots } from '../personalize/placeholders.ts';
import { Tokenizer } from '../text/tokenizer.ts';
import { type ArAdapterMeta, asLoraMeta, checkArAdapterFor, type ArModelIdentity } from './adapter-file.ts';
import { type ArTokenizerConfig, codebookSize, tokenGrid } from './config.ts';
import { arCaptionGraph, type ArModelConfig, arLogitsGraph, arTrainingGraph } from './graphs.ts';
import type { LoadedArPack } from './pack.ts';
import { checkPrefixTokens } from './prefix.ts';
import { ArSampler } from './sample.ts';
import { TokenizerSession } from './tokenizer-session.ts';
import { imageTokens } from './transformer-config.ts';

export interface ArAdapters {
  /** LoRA stacks on the transformer's attention (folded into the weights before sampling). */
  loras?: { tensors: Record<string, Tensor>; meta?: Record<string, string>; scale: number }[];
  /** Learned key/value prefix tokens per layer (prefix tuning), as trainArPrefix returns them. */
  prefix?: Record<string, Tensor>;
  /** Learned words bound to placeholders in prompts ('S*' or '<s1>' → [1, textDim]). */
  embeddings?: Record<string, Tensor>;
}

export interface ArSampleOptions {
  /** One per image. */
  prompts: string[];
  /** The unconditional half's caption; default: the learned empty caption. */
  negative?: string;
  temperature?: number;
  topK?: number;
  topP?: number;
  guidance?: number;
  seed: number;
  cache?: boolean;
  /** Masked regeneration: mask[i] = 1 keeps token i (raster order over N·count). */
  keep?: { tokens: Tensor; mask: Uint8Array };
  adapters?: ArAdapters;
  /** After each new token (raster position t), with the grids so far (for the step-by-step reveal). */
  onToken?: (t: number, tokens: Int32Array) => void;
  signal?: AbortSignal;
}

/** Images per VAE / tokenizer / likelihood run; larger requests go in chunks. */
const CHUNK = 8;
/** Samplers with LoRA merged in kept at once (each holds its own weights and sessions). */
const MAX_LORA_SAMPLERS = 3;

const fmt = (n: number) => n.toLocaleString('en-US');

export class ArModel {
  readonly name: string;
  readonly config: ArModelConfig;
  readonly grid: { side: number; count: number };
  readonly codebookSize: number;
  readonly textDim: number;
  /** The caption tokenizer (the text encoder's vocabulary, placeholder slots included). */
  readonly tokenizer: Tokenizer;
  /** 'ar.*' and 'text.*': what every transformer graph reads. */
  readonly weights: Readonly<Record<string, Tensor>>;
  /** What adapter files record of this model (name, transformer sha256). */
  readonly identity: ArModelIdentity;
  readonly backend: Backend;
  readonly sessionOptions: SessionOptions;
  private readonly sessions: SessionCache;
  private readonly samplers = new Map<string, ArSampler>();
  private tokenizerSession: TokenizerSession | null = null;

  private constructor(
    readonly loaded: LoadedArPack,
    backend: Backend,
    session: SessionOptions,
  ) {
    const m = loaded.model;
    this.name = loaded.manifest.name;
    this.config = m;
    this.grid = { side: m.transformer.gridSize, count: imageTokens(m.transformer) };
    this.codebookSize = m.transformer.codebookSize;
    this.textDim = m.text.dim;
    this.tokenizer = new Tokenizer(loaded.tokenizer);
    this.sessions = new SessionCache(backend, session);
    this.weights = { ...loaded.transformer, ...loaded.textEncoder!.weights };
    this.identity = { name: this.name, transformer: loaded.manifest.components.transformer?.sha256 ?? '', config: m };
    this.backend = backend;
    this.sessionOptions = session;
  }

  static create(o: { loaded: LoadedArPack; backend: Backend; session?: SessionOptions }): ArModel {
    const p = o.loaded;
    const name = p.manifest.name;
    if (!p.transformer) throw new PackError(`AR model "${name}" was loaded without its transformer`, 'transformer');
    if (!p.textEncoder) throw new PackError(`AR model "${name}" was loaded without its text encoder (the caption prefix comes from it)`, 'textEncoder');
    const t = p.model.transformer;
    if (p.tokenizer.maxLength !== p.model.text.maxLength || p.tokenizer.vocab.length !== p.model.text.vocabSize)
      throw new Error(`AR model "${name}": the caption tokenizer (${fmt(p.tokenizer.vocab.length)} words, ${p.tokenizer.maxLength} per prompt) does not fit the text encoder (${fmt(p.model.text.vocabSize)}, ${p.model.text.maxLength})`);
    if (p.imageTokenizer) checkImageTokenizer(name, p.imageTokenizer.config, p);
    // Every weight the graphs read, at the shape the config gives it.
    const spec = arLogitsGraph(p.model, 1).p;
    const given = { ...p.transformer, ...p.textEncoder.weights };
    for (const n of spec.names()) {
      const [w, want] = [given[n], spec.get(n).init.shape];
      if (!w) throw new Error(`AR model "${name}": no weight "${n}"`);
      if (w.shape.join() !== want.join()) throw new Error(`AR model "${name}": weight "${n}" is [${w.shape}] but the config needs [${want}] (a ${t.width}-wide transformer)`);
    }
    return new ArModel(p, o.backend, o.session ?? {});
  }

  // —— images ↔ tokens ——

  /** image → token grid in one exact pass (VAE encoder mean × scale, then the tokenizer's encoder and quantizer). */
  async encode(images: Tensor): Promise<Tensor> {
    const vae = this.vae();
    const R = vae.config.resolution;
    const [n, ch, h, w] = images.shape;
    if (images.shape.length !== 4 || ch !== vae.config.imageChannels || h !== R || w !== R || images.dtype !== 'float32')
      throw new Error(`images ${images.dtype} [${images.shape}] do not fit AR model "${this.name}": it encodes float32 [N, ${vae.config.imageChannels}, ${R}, ${R}] in [0, 1]`);
    const px = ch * R * R;
    const src = images.data as Float32Array;
    const latents: Float32Array[] = [];
    for (let at = 0; at < n; at += CHUNK) {
      const k = Math.min(CHUNK, n - at);
      const signed = new Float32Array(k * px);
      for (let i = 0; i < signed.length; i++) signed[i] = src[at * px + i] * 2 - 1;
      const s = await this.session(`vae-encode:${k}`, () => buildVaeEncode(vae.config, k).graph);
      const out = await s.run({ ...pick(vae.weights, 'vae.encoder.'), image: f32([k, ch, R, R], signed) }, ['mean']);
      latents.push((out.mean.data as Float32Array).map((v) => v * this.loaded.scalingFactor));
    }
    const ids = await this.tokenizerSessions().encode(concat(latents), n);
    const { side } = this.grid;
    return tensor('int32', [n, side, side], Int32Array.from(ids, Number));
  }

  /** token grid → images (tokenizer decoder, then the VAE decoder), in [0, 1]. Checks range and shape. */
  async decode(tokens: Tensor): Promise<Tensor> {
    const n = this.checkTokens(tokens, 'decode');
    const vae = this.vae();
    const latents = await this.tokenizerSessions().decode(tokens.data as Int32Array, n);
    const c = vae.config;
    const side = latentSide(c);
    const per = c.latentChannels * side * side;
    const px = c.imageChannels * c.resolution * c.resolution;
    const out = new Float32Array(n * px);
    for (let at = 0; at < n; at += CHUNK) {
      const k = Math.min(CHUNK, n - at);
      const z = latents.slice(at * per, (at + k) * per).map((v) => v / this.loaded.scalingFactor);
      const s = await this.session(`vae-decode:${k}`, () => buildVaeDecode(c, k).graph);
      const img = (await s.run({ ...pick(vae.weights, 'vae.decoder.'), latent: f32([k, c.latentChannels, side, side], z) }, ['image'])).image.data as Float32Array;
      for (let i = 0; i < k * px; i++) out[at * px + i] = (Math.max(-1, Math.min(1, img[i])) + 1) / 2;
    }
    return f32([n, c.imageChannels, c.resolution, c.resolution], out);
  }

  /** Throws unless `tokens` is int32 [N, side, side] of codes in range; returns N. */
  checkTokens(tokens: Tensor, what: string): number {
    const { side } = this.grid;
    const [n, h, w] = tokens.shape;
    if (tokens.dtype !== 'int32' || tokens.shape.length !== 3 || h !== side || w !== side || n < 1)
      throw new Error(`${what}: token grids ${tokens.dtype} [${tokens.shape}] do not fit AR model "${this.name}": it takes int32 [N, ${side}, ${side}]`);
    const d = tokens.data as Int32Array;
    const K = this.codebookSize;
    for (let i = 0; i < d.length; i++)
      if (!(d[i] >= 0 && d[i] < K)) {
        const [item, r, c] = [Math.floor(i / (side * side)), Math.floor((i % (side * side)) / side), i % side];
        throw new Error(`${what}: token ${d[i]} at row ${r}, column ${c}${n > 1 ? ` of grid ${item}` : ''} is outside the tokenizer's ${fmt(K)} codes`);
      }
    return n;
  }

  // —— prompts ——

  /** A prompt's ids and placeholder positions; a prompt longer than the text encoder reads is an error. */
  encodePrompt(text: string): PlaceholderIds {
    const at = encodeWithPlaceholders(this.tokenizer, text);
    if (this.tokenizer.encode(toSlots(text)).truncated)
      throw new Error(`the prompt "${text}" is longer than the caption context: the text encoder reads ${this.tokenizer.maxLength - 2} words (${this.tokenizer.maxLength} tokens with <bos> and <eos>)`);
    return at;
  }

  /**
   * Token embeddings [n, L, textDim] (flat) of prompts with each placeholder's row replaced by its
   * learned word. `allowUnbound` slots keep their own (untrained) row: the rare identifier a LoRA or
   * a prefix was tuned with.
   */
  promptEmbeds(prompts: readonly string[], embeddings: Record<string, Tensor> = {}, allowUnbound: readonly string[] = []): Float32Array {
    const { maxLength: L, dim: D } = this.config.text;
    const bindings = bindingsOf(embeddings, D);
    const table = this.weights['text.token_embedding.weight'].data as Float32Array;
    const out = new Float32Array(prompts.length * L * D);
    prompts.forEach((p, i) => {
      const at = this.encodePrompt(p);
      out.set(bindPlaceholders(lookupTokens(table, D, at.ids), D, at, bindings, { allowUnbound }), i * L * D);
    });
    return out;
  }

  /** The text encoder's output [n, L, textDim] (flat) for prompts, placeholders bound as promptEmbeds binds them. */
  async contexts(prompts: readonly string[], embeddings: Record<string, Tensor> = {}, allowUnbound: readonly string[] = []): Promise<Float32Array> {
    const embeds = this.promptEmbeds(prompts, embeddings, allowUnbound);
    const { maxLength: L, dim: D } = this.config.text;
    const n = prompts.length;
    const s = await this.session(`caption:${n}`, () => arCaptionGraph(this.config, n));
    const feeds: Record<string, Tensor> = { ...pick(this.weights, 'text.'), token_embeds: f32([n, L, D], embeds) };
    return (await s.run(feeds, ['context'])).context.data as Float32Array;
  }

  // —— sampling and likelihood ——

  async sample(o: ArSampleOptions): Promise<{ tokens: Tensor; runs: number }> {
    const n = o.prompts.length;
    if (!n) throw new Error('sample: no prompts');
    const { weightsKey, weights, prefix, unbound } = this.resolve(o.adapters);
    const embeds = this.promptEmbeds(o.prompts, o.adapters?.embeddings, unbound);
    const negative = o.negative !== undefined ? this.promptEmbeds([o.negative], o.adapters?.embeddings, unbound) : undefined;
    let keep: { tokens: Int32Array; mask: Uint8Array } | undefined;
    if (o.keep) {
      const k = this.checkTokens(o.keep.tokens, 'masked regeneration');
      if (k !== n || o.keep.mask.length !== n * this.grid.count)
        throw new Error(`masked regeneration: ${k} grids and ${o.keep.mask.length} mask entries for ${n} prompts (give ${n} grids and ${n}×${this.grid.count} entries)`);
      keep = { tokens: o.keep.tokens.data as Int32Array, mask: o.keep.mask };
    }
    const sampler = this.sampler(weightsKey, weights);
    const r = await sampler.sample(
      { tokenEmbeds: embeds, count: n },
      { seed: o.seed, temperature: o.temperature, topK: o.topK, topP: o.topP, guidance: o.guidance, cache: o.cache, keep, negative, prefix, onToken: o.onToken, signal: o.signal },
    );
    const { side } = this.grid;
    return { tokens: tensor('int32', [n, side, side], r.tokens), runs: r.runs };
  }

  /** Per-token negative log-likelihood (nats) of each grid under its prompt: [N, side, side]. */
  async likelihood(tokens: Tensor, prompts: string[], adapters?: ArAdapters): Promise<Tensor> {
    const n = this.checkTokens(tokens, 'likelihood');
    if (prompts.length !== n) throw new Error(`likelihood: ${prompts.length} prompts for ${n} token grids`);
    const { weights, prefix, unbound } = this.resolve(adapters);
    const embeds = this.promptEmbeds(prompts, adapters?.embeddings, unbound);
    const P = prefix ? checkPrefixTokens(this.config, prefix) : 0;
    const { maxLength: L, dim: D } = this.config.text;
    const N = this.grid.count;
    const ids = tokens.data as Int32Array;
    const out = new Float32Array(n * N);
    for (let at = 0; at < n; at += CHUNK) {
      const k = Math.min(CHUNK, n - at);
      const s = await this.session(`nll:${k}:${P}`, () => arTrainingGraph(this.config, k, { caption: 'token_embeds', tokenLoss: true, prefixTokens: P }).graph);
      const feeds: Record<string, Tensor> = {
        ...weights,
        ...prefix,
        token_embeds: f32([k, L, D], embeds.subarray(at * L * D, (at + k) * L * D)),
        drop_caption: f32([k, 1, 1]),
        tokens: tensor('int64', [k, N], ids.subarray(at * N, (at + k) * N)),
      };
      out.set((await s.run(feeds, ['token_loss'])).token_loss.data as Float32Array, at * N);
    }
    const { side } = this.grid;
    return f32([n, side, side], out);
  }

  /**
   * The transformer weights with the adapters' LoRA stacks merged (and a key naming them), the
   * checked prefix, and the placeholder slots the adapters were tuned with unbound.
   */
  resolve(adapters: ArAdapters | undefined): { weightsKey: string; weights: Record<string, Tensor>; prefix?: Record<string, Tensor>; unbound: string[]; metas: ArAdapterMeta[] } {
    const unbound = new Set<string>();
    const metas: ArAdapterMeta[] = [];
    let weights = this.weights as Record<string, Tensor>;
    let weightsKey = 'base';
    const loras = adapters?.loras ?? [];
    if (loras.length) {
      const stack = loras.map((l, i) => {
        if (!l.meta) throw new Error(`LoRA ${i + 1} comes without its metadata: it cannot be checked against AR model "${this.name}"`);
        const m = checkArAdapterFor(this.identity, l.tensors, l.meta);
        if (m.adapter !== 'lora') throw new Error(`LoRA ${i + 1} is a ${m.adapter}, not a LoRA: give it as the prefix`);
        if (!Number.isFinite(l.scale)) throw new Error(`LoRA ${i + 1} has scale ${l.scale}`);
        if (m.token) unbound.add(m.token);
        metas.push(m);
        return { tensors: l.tensors, meta: asLoraMeta(m), scale: l.scale };
      });
      weights = mergeLoras(weights, stack);
      weightsKey = loras.map((l) => `${l.scale}:${hashTensors(l.tensors)}`).join('|');
    }
    let prefix: Record<string, Tensor> | undefined;
    if (adapters?.prefix) {
      checkPrefixTokens(this.config, adapters.prefix);
      prefix = adapters.prefix;
      // A prefix is tuned with the placeholder keeping its own row (no word is learned with it).
      for (const slot of this.tokenizer.config.placeholders) unbound.add(slot);
    }
    return { weightsKey, weights, prefix, unbound: [...unbound], metas };
  }

  private sampler(key: string, weights: Record<string, Tensor>): ArSampler {
    let s = this.samplers.get(key);
    if (!s) {
      const merged = [...this.samplers.keys()].filter((k) => k !== 'base');
      if (key !== 'base' && merged.length >= MAX_LORA_SAMPLERS) {
        void this.samplers.get(merged[0])!.release();
        this.samplers.delete(merged[0]);
      }
      s = ArSampler.create(this.config, weights, { backend: this.backend, session: this.sessionOptions });
      this.samplers.set(key, s);
    }
    return s;
  }

  // —— sessions ——

  /** A session for a graph, built once per key. */
  session(key: string, graph: () => Parameters<typeof toOnnxBytes>[0]): Promise<Session> {
    return this.sessions.get(key, () => toOnnxBytes(graph()));
  }

  private vae(): { config: VaeConfig; weights: Record<string, Tensor> } {
    if (!this.loaded.vae) throw new PackError(`AR model "${this.name}" was loaded without its VAE: images cannot be encoded or decoded`, 'vae');
    return this.loaded.vae;
  }

  private tokenizerSessions(): TokenizerSession {
    const t = this.loaded.imageTokenizer;
    if (!t) throw new PackError(`AR model "${this.name}" was loaded without its image tokenizer: images cannot be encoded or decoded`, 'imageTokenizer');
    this.tokenizerSession ??= new TokenizerSession(t.config, t.weights, { backend: this.backend, batch: CHUNK, threads: this.sessionOptions.threads ?? 1 });
    return this.tokenizerSession;
  }

  async release(): Promise<void> {
    const samplers = [...this.samplers.values()];
    this.samplers.clear();
    await Promise.all([this.sessions.release(), ...samplers.map((s) => s.release()), this.tokenizerSession?.release()]);
    this.tokenizerSession = null;
  }
}

/** The image tokenizer must read the pack's latent and write the transformer's grid. */
function checkImageTokenizer(name: string, c: ArTokenizerConfig, p: LoadedArPack): void {
  const l = p.manifest.latent;
  if (c.latentChannels !== l.channels || c.latentSide !== l.height || c.latentSide !== l.width)
    throw new Error(`AR model "${name}": the image tokenizer reads ${c.latentChannels}×${c.latentSide}×${c.latentSide} latents, but the pack's VAE gives ${l.channels}×${l.height}×${l.width}: the tokenizer was made for another latent shape`);
  const t = p.model.transformer;
  const side = tokenGrid(c).side;
  const K = codebookSize(c.quantizer);
  if (side !== t.gridSize || K !== t.codebookSize)
    throw new Error(`AR model "${name}": the image tokenizer writes ${side}×${side} grids of ${fmt(K)} codes, but the transformer predicts ${t.gridSize}×${t.gridSize} grids of ${fmt(t.codebookSize)}`);
}

/** Placeholder → slot bindings of learned words ([1, D] or [D] each). */
function bindingsOf(embeddings: Record<string, Tensor>, dim: number): Record<string, Float32Array> {
  const out: Record<string, Float32Array> = {};
  for (const [k, t] of Object.entries(embeddings)) {
    if (t.dtype !== 'float32' || t.data.length !== dim || (t.shape.length === 2 && t.shape[0] !== 1))
      throw new Error(`the embedding for ${k} is ${t.dtype} [${t.shape}]; this model's words are float32 [1, ${dim}]`);
    out[slotOf(k)] = t.data as Float32Array;
  }
  return out;
}

const pick = (w: Record<string, Tensor>, prefix: string) => Object.fromEntries(Object.entries(w).filter(([k]) => k.startsWith(prefix)));

function concat(parts: Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** FNV-1a over names and bytes: which LoRA a merged sampler holds (a cache key, not a security check). */
function hashTensors(tensors: Record<string, Tensor>): string {
  let h = 0x811c9dc5;
  const mix = (byte: number) => {
    h ^= byte;
    h = Math.imul(h, 0x01000193) >>> 0;
  };
  for (const k of Object.keys(tensors).sort()) {
    for (let i = 0; i < k.length; i++) mix(k.charCodeAt(i) & 0xff);
    const d = tensors[k].data;
    const bytes = new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
    for (let i = 0; i < bytes.length; i++) mix(bytes[i]);
  }
  return h.toString(16);
}
