// A loaded diffusion pack behind sessions: the operations personalization needs (encode, decode,
// embed a prompt, predict noise, score with the evaluator), each session made on first use and kept
// (graphs have static shapes, so one per batch size). The backend is injected, so the same object
// runs on onnxruntime-node and onnxruntime-web. A pack may lack components (the built-in one gains
// them as training finishes); asking for a missing one is a PackError that says which.
import { type Backend, f32, type Session, SessionCache, type SessionOptions, type Tensor, toOnnxBytes } from '../../ml/index.ts';
import { configFromArchitectures, scheduleFromArchitecture } from '../diffusion/architecture.ts';
import type { DiffusionConfig } from '../diffusion/graphs.ts';
import { TextToImage } from '../diffusion/pipeline.ts';
import { type NoiseSchedule, noiseSchedule } from '../diffusion/schedule.ts';
import { buildVaeDecode, buildVaeEncode, latentSide, type VaeConfig, vaeConfigSchema } from '../diffusion/vae.ts';
import { configFromArchitecture } from '../evaluator/architecture.ts';
import { ClipEmbedder } from '../evaluator/embed.ts';
import { type LoadedPack, PackError } from '../pack/load.ts';
import type { ComponentName } from '../pack/manifest.ts';
import { Tokenizer } from '../text/tokenizer.ts';
import { type ConceptEncoderConfig, conceptEncoderConfigFrom, conceptEncoderGraph } from './concept-encoder.ts';
import { bindPlaceholders, encodeWithPlaceholders } from './placeholders.ts';

const MAX_LORA_PIPELINES = 3;

const WHAT: Record<ComponentName, string> = {
  vae: 'autoencoder (vae)',
  textEncoder: 'text encoder',
  unet: 'denoiser (unet)',
  evaluator: 'evaluator',
  conceptEncoder: 'concept encoder',
};

export class PackModel {
  readonly tokenizer: Tokenizer;
  private readonly sessions: SessionCache;
  private readonly pipes = new Map<string, TextToImage>();
  private clip: Promise<ClipEmbedder> | null = null;

  constructor(
    readonly pack: LoadedPack,
    readonly backend: Backend,
    readonly sessionOptions: SessionOptions = {},
  ) {
    this.tokenizer = new Tokenizer(pack.manifest.tokenizer);
    this.sessions = new SessionCache(backend, sessionOptions);
  }

  get manifest() {
    return this.pack.manifest;
  }
  get name() {
    return this.pack.manifest.name;
  }
  /** The denoiser's latent is the VAE mean times this. */
  get scale() {
    return this.pack.manifest.latent.scalingFactor;
  }
  get resolution() {
    return this.pack.manifest.resolution;
  }
  get latentShape(): [number, number, number] {
    const l = this.pack.manifest.latent;
    return [l.channels, l.height, l.width];
  }
  get latentSize() {
    const [c, h, w] = this.latentShape;
    return c * h * w;
  }

  has(c: ComponentName): boolean {
    return !!this.pack.weights[c];
  }

  weights(c: ComponentName): Record<string, Tensor> {
    const w = this.pack.weights[c];
    if (!w) throw new PackError(`this pack has no ${WHAT[c]} yet`, c);
    return w;
  }

  get vaeConfig(): VaeConfig {
    this.weights('vae');
    return vaeConfigSchema.parse(this.manifest.components.vae!.architecture);
  }

  get diffusionConfig(): DiffusionConfig {
    this.weights('textEncoder');
    this.weights('unet');
    return configFromArchitectures(this.manifest.components.textEncoder!.architecture, this.manifest.components.unet!.architecture);
  }

  get schedule(): NoiseSchedule {
    this.weights('unet');
    return noiseSchedule(scheduleFromArchitecture(this.manifest.components.unet!.architecture));
  }

  get conceptEncoderConfig(): ConceptEncoderConfig {
    this.weights('conceptEncoder');
    const c = conceptEncoderConfigFrom(this.manifest.components.conceptEncoder!.architecture);
    // A pack whose text encoder was retrained after its concept encoder: the word vectors it makes
    // would not fit the text encoder's table (said here, not as a shape error deep in a graph).
    const dim = this.diffusionConfig.text.dim;
    if (c.embedDim !== dim)
      throw new PackError(`makes ${c.embedDim}-wide word vectors but this pack's text encoder reads ${dim}-wide ones: retrain it against this text encoder (npm run train -- concept-encoder)`, 'conceptEncoder');
    return c;
  }

  /** The text-to-image pipeline with a given UNet (the pack's, or one with LoRA merged in), cached by `key`. */
  pipeline(key = 'base', unet?: Record<string, Tensor>): TextToImage {
    let p = this.pipes.get(key);
    if (!p) {
      // Each LoRA stack holds its own merged weights and sessions: keep only the few latest.
      const stale = [...this.pipes.keys()].filter((k) => k !== 'base');
      if (stale.length >= MAX_LORA_PIPELINES) {
        void this.pipes.get(stale[0])!.release();
        this.pipes.delete(stale[0]);
      }
      p = new TextToImage(this.diffusionConfig, { text: this.weights('textEncoder'), unet: unet ?? this.weights('unet') }, { backend: this.backend, session: this.sessionOptions });
      this.pipes.set(key, p);
    }
    return p;
  }

  /** Images [n, 3, R, R] in [−1, 1] → scaled latent means [n, C, h, w]. */
  async encode(images: Float32Array, n: number): Promise<Float32Array> {
    const c = this.vaeConfig;
    const s = await this.session(`vae-encode:${n}`, () => buildVaeEncode(c, n).graph);
    const out = await s.run({ ...pick(this.weights('vae'), 'vae.encoder.'), image: f32([n, c.imageChannels, c.resolution, c.resolution], images) }, ['mean']);
    const mean = out.mean.data as Float32Array;
    const z = new Float32Array(mean.length);
    for (let i = 0; i < z.length; i++) z[i] = mean[i] * this.scale;
    return z;
  }

  /** Scaled latents [n, C, h, w] → images [n, 3, R, R], clamped to [−1, 1]. */
  async decode(latents: Float32Array, n: number): Promise<Float32Array> {
    const c = this.vaeConfig;
    const side = latentSide(c);
    const s = await this.session(`vae-decode:${n}`, () => buildVaeDecode(c, n).graph);
    const z = new Float32Array(latents.length);
    for (let i = 0; i < z.length; i++) z[i] = latents[i] / this.scale;
    const out = await s.run({ ...pick(this.weights('vae'), 'vae.decoder.'), latent: f32([n, c.latentChannels, side, side], z) }, ['image']);
    const img = (out.image.data as Float32Array).slice();
    for (let i = 0; i < img.length; i++) img[i] = Math.max(-1, Math.min(1, img[i]));
    return img;
  }

  /**
   * Text contexts [n, L, D] of prompts whose placeholders are bound to learned embeddings
   * (slot → [D]); through the given pipeline (LoRA does not touch the text encoder, any will do).
   */
  async encodePrompts(texts: readonly string[], bindings: Record<string, ArrayLike<number>> = {}, pipe = this.pipeline()): Promise<Float32Array> {
    return pipe.encodeEmbeddings(this.promptEmbeds(texts, bindings, pipe));
  }

  /** Token embeddings [n, L, D] of prompts with bound placeholders (what Textual Inversion edits). */
  promptEmbeds(texts: readonly string[], bindings: Record<string, ArrayLike<number>> = {}, pipe = this.pipeline(), allowUnbound: readonly string[] = []): Float32Array {
    const D = this.diffusionConfig.text.dim;
    const L = this.tokenizer.maxLength;
    const out = new Float32Array(texts.length * L * D);
    texts.forEach((t, i) => {
      const at = encodeWithPlaceholders(this.tokenizer, t);
      out.set(bindPlaceholders(pipe.embedTokens([at.ids]), D, at, bindings, { allowUnbound }), i * L * D);
    });
    return out;
  }

  /** The evaluator (a small CLIP) of the pack, for CLIP-I and CLIP-T. */
  evaluator(): Promise<ClipEmbedder> {
    const weights = this.weights('evaluator');
    this.clip ??= ClipEmbedder.create(configFromArchitecture(this.manifest.components.evaluator!.architecture), weights, {
      backend: this.backend,
      session: this.sessionOptions,
      batch: 8,
    });
    return this.clip;
  }

  /** Scaled latents [n, C, h, w] → concept embeddings [n, D] through the trained concept encoder. */
  async conceptEmbeddings(latents: Float32Array, n: number): Promise<Float32Array> {
    const c = this.conceptEncoderConfig;
    const s = await this.session(`concept:${n}`, () => conceptEncoderGraph(c, n).graph);
    const out = await s.run({ ...this.weights('conceptEncoder'), latents: f32([n, c.latentChannels, c.latentSize, c.latentSize], latents) }, ['embedding']);
    return out.embedding.data as Float32Array;
  }

  /** A session for a graph, built once per key. */
  session(key: string, graph: () => Parameters<typeof toOnnxBytes>[0]): Promise<Session> {
    return this.sessions.get(key, () => toOnnxBytes(graph()));
  }

  async release(): Promise<void> {
    await this.sessions.release();
    for (const p of this.pipes.values()) await p.release();
    this.pipes.clear();
    if (this.clip) await (await this.clip).release();
    this.clip = null;
  }
}

export const pick = (w: Record<string, Tensor>, prefix: string) => Object.fromEntries(Object.entries(w).filter(([k]) => k.startsWith(prefix)));
