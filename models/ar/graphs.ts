// The AR family's graphs, built from one set of modules so that every graph shares the weight names
// ('ar.…' for the transformer, 'text.…' for the frozen text encoder, as the diffusion pack names
// it). Shapes are static, so each graph is built for one batch size:
//
//   training  caption + tokens [B, N] → 'loss' (next-token cross-entropy, teacher forcing)
//             and, when asked, 'token_loss' [B, N] (a likelihood heat map)
//   logits    caption + tokens [B, N] → 'logits' [B, N, codebook] (the full pass)
//   prefill   caption + the first k tokens [B, k] → 'logits' [B, codebook] of token k, and
//             'present.<i>.key' / 'present.<i>.value' [B, heads, T, headDim] per layer, T the whole
//             sequence (prefix + N), zero past what was computed
//   step      'token' [B, 1] at image input 'position' (int64 [1]) + 'past_key_values.<i>.key' /
//             '.value' [B, heads, T, headDim] → 'logits' [B, codebook] of the next token and the
//             'present.…' caches with this position written
//
// The cache has the full length from the start, so one step graph serves every position: the step
// writes its key and value at slot prefix + position (a Where on a one-hot of the slot, so other
// entries pass through untouched) and masks the slots after it. Input j of the image part is <bos>
// for j = 0 and token j − 1 after, and its output predicts token j.
//
// Personalization adds to the same graphs, never renames them: `prefixTokens` P gives every layer P
// learned key/value tokens (weight inputs 'ar.blocks.<i>.attn.prefix_key/value' [P, width]) that
// every position attends to, and the cache grows by P slots in front (the prefill writes them, so
// the step graph only needs the longer cache); `lora` puts adapters on every attention projection
// ('ar.blocks.<i>.attn.to_q.lora_A.weight', …, PEFT's names).
import { z } from 'zod';
import { type Graph, GraphBuilder, i64, injectLora, Params, type Value } from '../../ml/index.ts';
import { TextEncoder, textEncoderConfigSchema } from '../diffusion/text-encoder.ts';
import { paramShapes } from '../pack/spec.ts';
import { ArTransformer, type LayerKV, MASKED, prefixCausalMask } from './transformer.ts';
import { arTransformerConfigSchema, bosId, checkTextFit, headDim, imageTokens, sequenceLength } from './transformer-config.ts';

export const arModelConfigSchema = z
  .object({
    transformer: arTransformerConfigSchema,
    /** The frozen text encoder the prefix comes from (the diffusion pack's). */
    text: textEncoderConfigSchema,
  })
  .superRefine((m, ctx) => {
    try {
      checkTextFit(m.transformer, m.text);
    } catch (e) {
      ctx.addIssue({ code: 'custom', message: (e as Error).message });
    }
  });
export type ArModelConfig = z.infer<typeof arModelConfigSchema>;

/**
 * How the caption enters a graph that reads one: 'ids' (int64 [B, L], through the text encoder's
 * table), 'token_embeds' ([B, L, textDim] token embeddings, where a learned word vector can stand
 * in for a placeholder) or 'context' ([B, L, textDim], the text encoder's output, computed elsewhere).
 * Every caption input comes with 'drop_caption' [B, 1, 1]: 1 replaces the caption by the learned
 * empty one (training's caption dropout, guidance's unconditional half), 0 keeps it.
 */
export type CaptionInput = 'ids' | 'token_embeds' | 'context';

export interface ArGraphOptions {
  caption?: CaptionInput;
  /** Seed of the initial weights (the graphs are the same; only Params' initial values differ). */
  seed?: number;
  /** Learned key/value tokens per layer in front of the keys and values (prefix tuning); default none. */
  prefixTokens?: number;
  /** LoRA adapters on every attention projection (to_q, to_k, to_v, to_out). */
  lora?: { rank: number; alpha: number };
}

/** Which linear layers of the transformer take LoRA: the attention projections. */
export const AR_LORA_MATCH = /^ar\.blocks\.\d+\.attn\.to_(q|k|v|out)$/;

/** What a builder returns: the graph, its Params (initial values) and the weight inputs it reads. */
export interface ArGraph {
  graph: Graph;
  p: Params;
  ar: ArTransformer;
  /** Weight inputs of the graph ('ar.*', and 'text.*' when the caption goes through the text encoder). */
  weights: string[];
}

export const keyName = (i: number) => `past_key_values.${i}.key`;
export const valueName = (i: number) => `past_key_values.${i}.value`;
export const presentKeyName = (i: number) => `present.${i}.key`;
export const presentValueName = (i: number) => `present.${i}.value`;

/** Shape of one layer's cached keys (or values): [B, heads, P + T, headDim], P learned prefix tokens. */
export const cacheShape = (m: ArModelConfig, batch: number, prefixTokens = 0) => [batch, m.transformer.heads, prefixTokens + sequenceLength(m.transformer), headDim(m.transformer)];

function begin(name: string, m: ArModelConfig, opts: ArGraphOptions) {
  const b = new GraphBuilder(name);
  const p = new Params(b, { seed: opts.seed ?? 0 });
  // The transformer first, so its initial weights do not depend on whether a text encoder is built
  // (nor on adapters, declared after it).
  const ar = new ArTransformer(p, 'ar', m.transformer);
  if (opts.prefixTokens) ar.addPrefixTokens(opts.prefixTokens);
  if (opts.lora) injectLora(ar, { ...opts.lora, match: AR_LORA_MATCH });
  return { b, p, ar };
}

/**
 * Declares the caption inputs and 'drop_caption' → the prefix [B, L, width]. With `vector` (token
 * embeddings only), 'vector' [1, textDim] is added where 'vector_mask' [B, L, 1] is 1: the learned
 * word of Textual Inversion, the one value its gradient is taken for.
 */
function captionPrefix(b: GraphBuilder, p: Params, ar: ArTransformer, m: ArModelConfig, batch: number, mode: CaptionInput, vector = false): Value {
  const { maxLength: L, dim: D } = m.text;
  if (vector && mode !== 'token_embeds') throw new Error(`a learned word needs the caption as token embeddings, not "${mode}"`);
  let context: Value;
  if (mode === 'context') context = b.input('context', 'float32', [batch, L, D]);
  else {
    const text = new TextEncoder(p, 'text', m.text);
    let embeds = mode === 'ids' ? text.embed(b.input('ids', 'int64', [batch, L])) : b.input('token_embeds', 'float32', [batch, L, D]);
    if (vector) embeds = b.op1('Add', [embeds, b.op1('Mul', [b.input('vector_mask', 'float32', [batch, L, 1]), b.input('vector', 'float32', [1, D])])]);
    context = text.forward(embeds);
  }
  return ar.prefix(context, b.input('drop_caption', 'float32', [batch, 1, 1]));
}

/** <bos> followed by `tokens` [B, n] → the n + 1 image inputs, the last `drop` tokens left out. */
function imageInputs(b: GraphBuilder, m: ArModelConfig, batch: number, tokens: Value | null, drop: number): Value {
  const bos = b.constant(i64([batch, 1], new Array<number>(batch).fill(bosId(m.transformer))));
  if (!tokens) return bos;
  const n = tokens.shape[1] - drop;
  const kept = drop ? b.op1('Slice', [tokens, b.ints([0]), b.ints([n]), b.ints([1])]) : tokens;
  return n ? b.op1('Concat', [bos, kept], { axis: 1 }) : bos;
}

/** The prefix and the image inputs through every block → hidden states of the image part [B, n, width] and the caches. */
function run(b: GraphBuilder, ar: ArTransformer, prefix: Value, inputs: Value): { image: Value; kv: LayerKV[] } {
  const L = prefix.shape[1];
  const n = inputs.shape[1];
  const h = b.op1('Concat', [prefix, ar.embedInputs(inputs)], { axis: 1 });
  const { hidden, kv } = ar.forward(h, b.constant(prefixCausalMask(L, n, ar.prefixTokens)));
  return { image: b.op1('Slice', [hidden, b.ints([L]), b.ints([L + n]), b.ints([1])]), kv };
}

/** The full teacher-forced pass: 'tokens' [B, N] → logits [B, N, codebook] (token j predicted from the tokens before it). */
function teacherForced(name: string, m: ArModelConfig, batch: number, opts: ArGraphOptions & { vector?: boolean }) {
  const { b, p, ar } = begin(name, m, opts);
  const prefix = captionPrefix(b, p, ar, m, batch, opts.caption ?? 'ids', opts.vector);
  const tokens = b.input('tokens', 'int64', [batch, imageTokens(m.transformer)]);
  const { image } = run(b, ar, prefix, imageInputs(b, m, batch, tokens, 1));
  return { b, p, ar, tokens, logits: ar.logits(image) };
}

export interface ArTrainingOptions extends ArGraphOptions {
  /** Also output 'token_loss' [B, N], each token's loss (a likelihood heat map). */
  tokenLoss?: boolean;
  /** 'weight' [B, 1] multiplies each row's loss (prior preservation's λ on the class rows). */
  weighted?: boolean;
  /**
   * The targets are distributions, 'targets' [B, N, codebook], instead of the tokens themselves:
   * the loss is the cross-entropy −Σ q·log p (a one-hot q gives the token's −log p; the frozen
   * model's softmax gives distillation, the KL up to q's entropy).
   */
  softTargets?: boolean;
  /** Caption as token embeddings plus a learned word: see captionPrefix. */
  vector?: boolean;
}

/**
 * Next-token cross-entropy with teacher forcing: 'loss' is its mean over the batch and the N
 * positions (each row times its 'weight' when weighted); with `tokenLoss`, 'token_loss' [B, N] is
 * each token's −log p (or cross-entropy, with soft targets).
 */
export function arTrainingGraph(m: ArModelConfig, batch: number, opts: ArTrainingOptions = {}): ArGraph {
  const { b, p, ar, tokens, logits } = teacherForced('ar-train', m, batch, opts);
  const N = tokens.shape[1];
  const logp = b.op1('LogSoftmax', [logits], { axis: -1 });
  let nll: Value;
  if (opts.softTargets) {
    const q = b.input('targets', 'float32', [batch, N, m.transformer.codebookSize]);
    nll = b.op1('Neg', [b.op1('ReduceSum', [b.op1('Mul', [q, logp]), b.ints([2])], { keepdims: 0 })]);
  } else {
    const picked = b.op1('GatherElements', [logp, b.op1('Reshape', [tokens, b.ints([batch, N, 1])])], { axis: 2 });
    nll = b.op1('Neg', [b.op1('Reshape', [picked, b.ints([batch, N])])]);
  }
  const weighted = opts.weighted ? b.op1('Mul', [nll, b.input('weight', 'float32', [batch, 1])]) : nll;
  b.output(b.op1('ReduceMean', [weighted], { keepdims: 0 }), 'loss');
  if (opts.tokenLoss) b.output(nll, 'token_loss');
  return finish(b, p, ar);
}

/** The full pass: 'tokens' [B, N] → 'logits' [B, N, codebook]. Tokens after a position do not change its logits. */
export function arLogitsGraph(m: ArModelConfig, batch: number, opts: ArGraphOptions = {}): ArGraph {
  const { b, p, ar, logits } = teacherForced('ar-logits', m, batch, opts);
  b.output(logits, 'logits');
  return finish(b, p, ar);
}

/**
 * The prefix and the first k tokens ('tokens' [B, k]; no such input when k = 0) → 'logits' [B,
 * codebook] of token k and every layer's cache over the whole sequence length, zero after slot
 * prefix + k (what the step graph fills in).
 */
export function arPrefillGraph(m: ArModelConfig, batch: number, k: number, opts: ArGraphOptions = {}): ArGraph {
  const N = imageTokens(m.transformer);
  if (!Number.isInteger(k) || k < 0 || k >= N) throw new Error(`prefill: k = ${k} tokens, but a grid has ${N} (k may be 0 … ${N - 1})`);
  const { b, p, ar } = begin(`ar-prefill-${k}`, m, opts);
  const prefix = captionPrefix(b, p, ar, m, batch, opts.caption ?? 'ids');
  const tokens = k ? b.input('tokens', 'int64', [batch, k]) : null;
  const { image, kv } = run(b, ar, prefix, imageInputs(b, m, batch, tokens, 0));
  const last = b.op1('Slice', [image, b.ints([k]), b.ints([k + 1]), b.ints([1])]);
  b.output(b.op1('Reshape', [ar.logits(last), b.ints([batch, m.transformer.codebookSize])]), 'logits');
  const computed = m.transformer.prefixLength + k + 1;
  const rest = sequenceLength(m.transformer) - computed;
  // (The learned prefix tokens, if any, are already in front: the caches are P + T long.)
  const pad = (t: Value) => (rest ? b.op1('Pad', [t, b.ints([0, 0, 0, 0, 0, 0, rest, 0])]) : t);
  kv.forEach((l, i) => {
    b.output(pad(l.key), presentKeyName(i));
    b.output(pad(l.value), presentValueName(i));
  });
  return finish(b, p, ar);
}

/**
 * One step with the cache: 'token' int64 [B, 1], the image input at 'position' (int64 [1], 0 … N − 1),
 * and each layer's 'past_key_values.<i>.key/value' → 'logits' [B, codebook] of token `position`
 * and 'present.<i>.key/value', the caches with slot prefix + position written. Slots after it are
 * masked, so whatever they hold does not matter.
 */
export function arStepGraph(m: ArModelConfig, batch: number, opts: Pick<ArGraphOptions, 'seed' | 'lora'> & { prefixTokens?: number } = {}): ArGraph {
  const c = m.transformer;
  // The learned prefix tokens sit in the cache's first P slots: the step reads them as any other
  // slot, so it declares no prefix weights, only the longer cache.
  const P = opts.prefixTokens ?? 0;
  const { b, p, ar } = begin('ar-step', m, { ...opts, prefixTokens: 0 });
  const T = P + sequenceLength(c);
  const token = b.input('token', 'int64', [batch, 1]);
  const position = b.input('position', 'int64', [1]);
  const past = Array.from({ length: c.layers }, (_, i) => ({
    key: b.input(keyName(i), 'float32', cacheShape(m, batch, P)),
    value: b.input(valueName(i), 'float32', cacheShape(m, batch, P)),
  }));
  const slots = b.constant(i64([T], Array.from({ length: T }, (_, i) => i)));
  const slot = b.op1('Add', [position, b.constant(i64([1], [P + c.prefixLength]))]);
  const write = b.op1('Reshape', [b.op1('Equal', [slots, slot]), b.ints([1, 1, T, 1])]);
  const visible = b.op1('Where', [b.op1('LessOrEqual', [slots, slot]), b.scalar(0), b.scalar(MASKED)]);
  const mask = b.op1('Reshape', [visible, b.ints([1, 1, 1, T])]);
  const { hidden, kv } = ar.step(ar.embedInputAt(token, position), past, { write, mask });
  b.output(b.op1('Reshape', [ar.logits(hidden), b.ints([batch, c.codebookSize])]), 'logits');
  kv.forEach((l, i) => {
    b.output(l.key, presentKeyName(i));
    b.output(l.value, presentValueName(i));
  });
  return finish(b, p, ar);
}

/** Drops the weight inputs no node reads (the step graph has no caption), and names the rest. */
function finish(b: GraphBuilder, p: Params, ar: ArTransformer): ArGraph {
  const graph = b.build();
  const read = new Set(graph.nodes.flatMap((n) => n.inputs));
  const declared = new Set(p.names());
  graph.inputs = graph.inputs.filter((n) => !declared.has(n) || read.has(n));
  return { graph, p, ar, weights: graph.inputs.filter((n) => declared.has(n)) };
}

/** Name → shape of the transformer's weights ('ar.*'): what a pack's weights file must hold. */
export function transformerWeightShapes(m: ArModelConfig): Record<string, number[]> {
  const shapes = paramShapes(arLogitsGraph(m, 1, { caption: 'context' }).p);
  return Object.fromEntries(Object.entries(shapes).filter(([n]) => n.startsWith('ar.')));
}

/** The caption's features alone: 'token_embeds' [B, L, textDim] → 'context' [B, L, textDim], through the frozen text encoder. */
export function arCaptionGraph(m: ArModelConfig, batch: number): Graph {
  const b = new GraphBuilder('ar-caption');
  const text = new TextEncoder(new Params(b), 'text', m.text);
  b.output(text.forward(b.input('token_embeds', 'float32', [batch, m.text.maxLength, m.text.dim])), 'context');
  return b.build();
}
