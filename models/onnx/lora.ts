// LoRA on an imported graph, by initializer name: W' = W + (alpha/rank)·reshape(B·A) with
// A [rank, fan-in] small random and B [rows, rank] zero, so the adapted model starts out
// computing exactly what the model computes. The weight is rewritten where it is defined, so
// any operator taking it (MatMul, Gemm with or without transB, Conv, ConvTranspose) is adapted
// without touching that operator. Names follow PEFT's: '<weight>.lora_A', '<weight>.lora_B'.
import { type Graph, GraphBuilder, type Rng, sizeOf, type Tensor, uniform } from '../../ml/index.ts';

export interface LoraSpec {
  /** '<weight>.lora_A' [rank, cols] and '<weight>.lora_B' [rows, rank] per adapted weight. */
  tensors: Record<string, Tensor>;
  rank: number;
  alpha: number;
  /** Content digest (keys the sessions of the merged model). */
  digest: string;
}

export const loraA = (w: string) => `${w}.lora_A`;
export const loraB = (w: string) => `${w}.lora_B`;

/** Rows and columns of a weight seen as a matrix: its first axis against the rest. */
const matrixOf = (shape: readonly number[]): [number, number] => [shape[0], sizeOf(shape.slice(1))];

export function loraGraph(g: Graph, weights: readonly string[], rank: number, alpha: number, rng: Rng): { graph: Graph; names: string[]; init: Record<string, Tensor> } {
  if (!Number.isInteger(rank) || rank < 1) throw new Error(`LoRA rank must be a positive integer, got ${rank}`);
  const b = GraphBuilder.from(g);
  const before = b.graph.nodes.length;
  const init: Record<string, Tensor> = {};
  const adapted = new Map<string, string>();
  for (const w of weights) {
    const base = g.initializers.get(w);
    if (!base) throw new Error(`LoRA: "${w}" is not an initializer of the model`);
    const [rows, cols] = matrixOf(base.shape);
    const bound = 1 / Math.sqrt(cols);
    init[loraA(w)] = uniform([rank, cols], rng, -bound, bound);
    init[loraB(w)] = { dtype: 'float32', shape: [rows, rank], data: new Float32Array(rows * rank) };
    const A = b.input(loraA(w), 'float32', [rank, cols]);
    const B = b.input(loraB(w), 'float32', [rows, rank]);
    let delta = b.op1('MatMul', [B, A]);
    if (alpha !== rank) delta = b.op1('Mul', [delta, b.scalar(alpha / rank)]);
    if (base.shape.length !== 2) delta = b.op1('Reshape', [delta, b.ints(base.shape)]);
    adapted.set(w, b.op1('Add', [b.value(w), delta], {}, { name: `${w}/lora` }).name);
  }
  // The adapted weights are computed first; the model's nodes then read them instead of W.
  const added = b.graph.nodes.splice(before);
  for (const n of b.graph.nodes) n.inputs = n.inputs.map((i) => adapted.get(i) ?? i);
  b.graph.nodes.unshift(...added);
  return { graph: b.build(), names: Object.keys(init), init };
}

/** (alpha/rank)·reshape(B·A) for each adapted weight of `g`, computed here (small matrices). */
export function loraDelta(g: Graph, lora: LoraSpec): Map<string, Tensor> {
  const out = new Map<string, Tensor>();
  const scale = lora.alpha / lora.rank;
  for (const key of Object.keys(lora.tensors)) {
    if (!key.endsWith('.lora_A')) continue;
    const w = key.slice(0, -'.lora_A'.length);
    const base = g.initializers.get(w);
    const A = lora.tensors[key];
    const B = lora.tensors[loraB(w)];
    if (!base) throw new Error(`LoRA: the adapters are for "${w}", which this model does not have`);
    const [rows, cols] = matrixOf(base.shape);
    if (!B || A.shape[1] !== cols || B.shape[0] !== rows || A.shape[0] !== B.shape[1])
      throw new Error(`LoRA: the adapters of "${w}" do not fit its shape [${base.shape}]`);
    const r = A.shape[0];
    const a = A.data as Float32Array;
    const bb = B.data as Float32Array;
    const d = new Float32Array(rows * cols);
    for (let i = 0; i < rows; i++)
      for (let k = 0; k < r; k++) {
        const s = bb[i * r + k] * scale;
        if (s) for (let j = 0; j < cols; j++) d[i * cols + j] += s * a[k * cols + j];
      }
    out.set(w, { dtype: 'float32', shape: [...base.shape], data: d });
  }
  return out;
}

/** Adapters as a port or file carries them (tensors + metadata) back to a spec; the metadata gives rank and alpha. */
export function loraSpecFrom(tensors: Record<string, Tensor>, meta: Record<string, string> = {}): LoraSpec {
  const first = Object.keys(tensors).find((k) => k.endsWith('.lora_A'));
  if (!first) throw new Error('LoRA: no adapters (no "<weight>.lora_A" tensors) were given');
  const rank = Number(meta.rank ?? tensors[first].shape[0]);
  const alpha = Number(meta.alpha ?? rank);
  if (!(rank > 0) || !Number.isFinite(alpha)) throw new Error(`LoRA: rank ${meta.rank} / alpha ${meta.alpha} in the metadata are not numbers`);
  return { tensors, rank, alpha, digest: digestOf(tensors) };
}

/** A short content digest of adapter values, to key the sessions of a tuned model. */
export function digestOf(tensors: Record<string, Tensor>): string {
  let h = 2166136261;
  for (const k of Object.keys(tensors).sort()) {
    for (let i = 0; i < k.length; i++) h = Math.imul(h ^ k.charCodeAt(i), 16777619);
    const d = new Uint8Array(tensors[k].data.buffer, tensors[k].data.byteOffset, tensors[k].data.byteLength);
    for (let i = 0; i < d.length; i++) h = Math.imul(h ^ d[i], 16777619);
  }
  return (h >>> 0).toString(16);
}
