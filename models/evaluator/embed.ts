// Running a trained evaluator: image and text embeddings for any number of inputs, through graphs
// of a fixed batch (the builder's shapes are static), padding the last chunk. Backend-agnostic, so
// the same code scores images in Node and in the browser.
import { type Backend, f32, i64, type Session, type SessionOptions, type Tensor, toOnnxBytes } from '../../ml/index.ts';
import { buildImageEmbedGraph, buildTextEmbedGraph, IO } from './clip.ts';
import type { ClipConfig } from './config.ts';

export interface EmbedderOptions {
  backend: Backend;
  session?: SessionOptions;
  /** Rows per run (default 64). */
  batch?: number;
}

/** Embeddings of n inputs: [n, dim] row-major. */
export interface Embedded {
  data: Float32Array;
  rows: number;
  dim: number;
}

export class ClipEmbedder {
  private constructor(
    readonly config: ClipConfig,
    readonly batch: number,
    private readonly image: Session,
    private readonly text: Session,
    private readonly imageWeights: Record<string, Tensor>,
    private readonly textWeights: Record<string, Tensor>,
  ) {}

  /** weights: the whole evaluator (image.*, text.*, logit_scale), as trained or loaded from the pack. */
  static async create(config: ClipConfig, weights: Record<string, Tensor>, opts: EmbedderOptions): Promise<ClipEmbedder> {
    const batch = opts.batch ?? 64;
    const img = buildImageEmbedGraph(config, batch);
    const txt = buildTextEmbedGraph(config, batch);
    const pick = (names: string[]) =>
      Object.fromEntries(
        names.map((n) => {
          if (!weights[n]) throw new Error(`ClipEmbedder: no weight "${n}"`);
          return [n, weights[n]];
        }),
      );
    const [image, text] = await Promise.all([
      opts.backend.create(toOnnxBytes(img.graph), opts.session),
      opts.backend.create(toOnnxBytes(txt.graph), opts.session),
    ]);
    return new ClipEmbedder(config, batch, image, text, pick(img.params.names()), pick(txt.params.names()));
  }

  /**
   * images: [n, 3, S, S] float32 in [−1, 1]. Returns the normalized embeddings and the pooled
   * features (what the Fréchet distance compares).
   */
  async embedImages(images: Float32Array, n: number): Promise<{ embedding: Embedded; features: Embedded }> {
    const per = 3 * this.config.imageSize ** 2;
    if (images.length !== n * per) throw new Error(`embedImages: ${images.length} values for ${n} images of ${per}`);
    const S = this.config.imageSize;
    const featDim = this.config.channels[this.config.channels.length - 1];
    const emb = new Float32Array(n * this.config.embedDim);
    const feat = new Float32Array(n * featDim);
    for (let start = 0; start < n; start += this.batch) {
      const k = Math.min(this.batch, n - start);
      const x = new Float32Array(this.batch * per);
      x.set(images.subarray(start * per, (start + k) * per));
      const out = await this.image.run({ ...this.imageWeights, [IO.image]: f32([this.batch, 3, S, S], x) }, [IO.embedding, IO.features]);
      emb.set((out[IO.embedding].data as Float32Array).subarray(0, k * this.config.embedDim), start * this.config.embedDim);
      feat.set((out[IO.features].data as Float32Array).subarray(0, k * featDim), start * featDim);
    }
    return { embedding: { data: emb, rows: n, dim: this.config.embedDim }, features: { data: feat, rows: n, dim: featDim } };
  }

  /** ids: rows of maxLength token ids (a tokenizer's encodings). */
  async embedTexts(ids: readonly (readonly number[])[]): Promise<Embedded> {
    const L = this.config.maxLength;
    const n = ids.length;
    const emb = new Float32Array(n * this.config.embedDim);
    for (let start = 0; start < n; start += this.batch) {
      const k = Math.min(this.batch, n - start);
      const flat = new Array<number>(this.batch * L).fill(this.config.padId);
      for (let r = 0; r < k; r++) {
        const row = ids[start + r];
        if (row.length !== L) throw new Error(`embedTexts: row ${start + r} has ${row.length} ids, not ${L}`);
        for (let j = 0; j < L; j++) flat[r * L + j] = row[j];
      }
      const out = await this.text.run({ ...this.textWeights, [IO.ids]: i64([this.batch, L], flat) }, [IO.embedding]);
      emb.set((out[IO.embedding].data as Float32Array).subarray(0, k * this.config.embedDim), start * this.config.embedDim);
    }
    return { data: emb, rows: n, dim: this.config.embedDim };
  }

  async release(): Promise<void> {
    await Promise.all([this.image.release(), this.text.release()]);
  }
}
