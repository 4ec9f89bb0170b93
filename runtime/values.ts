// What travels on a wire, one type per port kind. Values are plain data (structured-clonable)
// whose tensors are found by walking the tree, so byte counts, transfer lists and the
// persistent format need no per-kind code.
//
// Images are float32 NCHW tensors [N, C, H, W] with values in [0, 1] (C = 3, RGB; alpha is
// composited over white on load). Nodes that need [-1, 1] convert at their own boundary.
import type { Tensor } from '../ml/tensor.ts';
import type { PortKind } from './ports.ts';

export interface ImageBatch {
  kind: 'image';
  tensor: Tensor;
}
export interface Latent {
  kind: 'latent';
  /** Named inversion space, e.g. 'noise', 'w+', 'text-embedding'. */
  space: string;
  tensor: Tensor;
}
export interface Embedding {
  kind: 'embedding';
  /** [1, D]: one word embedding of the model's text encoder. */
  tensor: Tensor;
  /** The placeholder it stands for in prompts (e.g. 'S*'), when it was learned for one. */
  token?: string;
}
/** A reference, never the weights: each worker loads and caches sessions itself. */
export interface ModelRef {
  kind: 'model';
  /** Where the pack's files are: a folder path or URL, or 'files:' + JSON of file name → source. */
  pack: string;
  /** LoRA files (sources) applied on top of the pack's denoiser, in order. */
  loras: { ref: string; scale: number }[];
  /** Added tokens: embedding files (sources) bound to placeholders (e.g. 'S*') in every prompt. */
  tokens?: { token: string; ref: string }[];
}
export interface LoraWeights {
  kind: 'lora';
  tensors: Record<string, Tensor>;
  /** What the adapters were made for (pack, denoiser hash, rank, alpha), as saved in the file. */
  meta?: Record<string, string>;
}
export interface Prompt {
  kind: 'prompt';
  text: string;
  /** Learned embeddings bound to placeholder slots of the text ('<s1>' → [1, D]). */
  embeddings?: Record<string, Tensor>;
}
export interface Scalar {
  kind: 'scalar';
  value: number;
}
export interface Series {
  kind: 'series';
  values: number[];
  /** A remark shown beside the curve, e.g. why an optimization stopped early or diverged. */
  note?: string;
  /** Values of a stochastic objective (random timesteps and noise): shown smoothed (series.ts). */
  stochastic?: boolean;
}
export interface Metrics {
  kind: 'metrics';
  values: Record<string, number>;
}
export interface OutputFile {
  name: string;
  mime: string;
  bytes: Uint8Array;
}
export interface Files {
  kind: 'files';
  files: OutputFile[];
}

export interface PortValues {
  image: ImageBatch;
  latent: Latent;
  embedding: Embedding;
  model: ModelRef;
  lora: LoraWeights;
  prompt: Prompt;
  scalar: Scalar;
  series: Series;
  metrics: Metrics;
  files: Files;
}
export type PortValue = PortValues[PortKind];

/** Named outputs of one node run. */
export type NodeOutputs = Record<string, PortValue>;

export function isTensor(v: unknown): v is Tensor {
  return typeof v === 'object' && v !== null && 'dtype' in v && 'shape' in v && ArrayBuffer.isView((v as Tensor).data);
}

/** Every typed array inside a value tree (tensor data and raw bytes such as file contents). */
export function typedArraysIn(value: unknown, out: ArrayBufferView[] = []): ArrayBufferView[] {
  if (ArrayBuffer.isView(value)) out.push(value);
  else if (Array.isArray(value)) for (const v of value) typedArraysIn(v, out);
  else if (typeof value === 'object' && value !== null) for (const v of Object.values(value)) typedArraysIn(v, out);
  return out;
}

/** Bytes held by a value tree; what the memory cache budgets. */
export function byteSize(value: unknown): number {
  let n = 0;
  for (const a of typedArraysIn(value)) n += a.byteLength;
  return n;
}

/** The distinct buffers of a value tree, for postMessage's transfer list. */
export function transferablesOf(value: unknown): ArrayBuffer[] {
  const set = new Set<ArrayBuffer>();
  for (const a of typedArraysIn(value)) if (a.buffer instanceof ArrayBuffer) set.add(a.buffer);
  return [...set];
}
