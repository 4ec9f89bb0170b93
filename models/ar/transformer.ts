// The AR family's generator: a decoder-only transformer (pre-LayerNorm, GPT-style) over a caption
// prefix and the image tokens in raster order. The prefix is the frozen text encoder's features
// projected to the width; every image position attends to the whole prefix and causally to the
// image inputs before it, and prefix positions attend to the prefix only, so the prefix's keys and
// values never depend on the image and can be computed once (prefill) and cached. For
// classifier-free guidance a learned "empty caption" replaces the projected prefix when asked.
//
// Two ways through the same weights: forward() over a whole sequence (training, prefill, the
// no-cache sampler) and step() for one new input against cached keys and values of fixed length,
// so that every graph has static shapes (see graphs.ts).
//
// Prefix tuning (Li & Liang 2021; CoAR's smallest trainable state): addPrefixTokens(P) gives every
// attention P learned key/value rows ('ar.blocks.<i>.attn.prefix_key' / 'prefix_value', [P, width])
// placed in front of its own keys and values. The mask's first P columns are open to every row,
// and the cache holds them in its first P slots, so a step needs nothing more than a longer cache.
import { gelu, LayerNorm, Linear, Module, type Parent, randn, type Tensor, tensor, type Value } from '../../ml/index.ts';
import { type ArTransformerConfig, arTransformerConfigSchema, imageTokens, vocabSize } from './transformer-config.ts';

/** Added to the score of a position that may not be attended: its softmax weight is exactly 0. */
export const MASKED = -1e9;

/** Tag of the learned prefix tokens' weights (prefix tuning's trainable state). */
export const PREFIX_TAG = 'prefix';

/** One layer's keys and values, heads split: [B, heads, T, headDim]. */
export interface LayerKV {
  key: Value;
  value: Value;
}

/** Where a step writes its key and value, and what it may attend (arStepGraph in graphs.ts builds it from the position). */
export interface StepSlot {
  /** bool [1, 1, T, 1]: true at the new position. */
  write: Value;
  /** float [1, 1, 1, T]: 0 up to the new position, MASKED after it. */
  mask: Value;
}

/**
 * Self-attention that hands out its keys and values. Projections are named as ml/nn's Attention
 * names them (to_q/to_k/to_v/to_out), so LoRA matchers written for it apply here too.
 */
class SelfAttention extends Module {
  readonly heads: number;
  readonly headDim: number;
  to_q: Linear;
  to_k: Linear;
  to_v: Linear;
  to_out: Linear;
  /** Learned key/value tokens [P, dim] in front of the keys and values (prefix tuning), or none. */
  prefix: LayerKV | null = null;

  constructor(
    parent: Parent,
    name: string,
    readonly dim: number,
    heads: number,
  ) {
    super(parent, name);
    this.heads = heads;
    this.headDim = dim / heads;
    this.to_q = new Linear(this, 'to_q', dim, dim);
    this.to_k = new Linear(this, 'to_k', dim, dim);
    this.to_v = new Linear(this, 'to_v', dim, dim);
    this.to_out = new Linear(this, 'to_out', dim, dim);
  }

  /** x [B, T, dim] → q (scaled by 1/√d), k, v as [B, H, T, d]. */
  private project(x: Value): { q: Value; k: Value; v: Value } {
    const b = this.b;
    const q = b.op1('Mul', [this.to_q.forward(x), b.scalar(1 / Math.sqrt(this.headDim))]);
    return { q: this.split(q), k: this.split(this.to_k.forward(x)), v: this.split(this.to_v.forward(x)) };
  }

  /** q [B, H, Tq, d] over k, v [B, H, Tk, d] with an additive mask → [B, Tq, dim]. */
  private attend(q: Value, k: Value, v: Value, mask: Value): Value {
    const b = this.b;
    const scores = b.op1('Add', [b.op1('MatMul', [q, b.op1('Transpose', [k], { perm: [0, 1, 3, 2] })]), mask]);
    const o = b.op1('MatMul', [b.op1('Softmax', [scores], { axis: -1 }), v]);
    const merged = b.op1('Reshape', [b.op1('Transpose', [o], { perm: [0, 2, 1, 3] }), b.ints([0, 0, this.dim])]);
    return this.to_out.forward(merged);
  }

  private split(t: Value): Value {
    const b = this.b;
    return b.op1('Transpose', [b.op1('Reshape', [t, b.ints([0, 0, this.heads, this.headDim])])], { perm: [0, 2, 1, 3] });
  }

  /** Declares P learned key/value tokens (zeros here: their values are fed). */
  addPrefixTokens(length: number): void {
    if (this.prefix) throw new Error(`attention "${this.path}" already has prefix tokens`);
    const init = tensor('float32', [length, this.dim]);
    this.prefix = { key: this.param('prefix_key', init, [PREFIX_TAG]), value: this.param('prefix_value', init, [PREFIX_TAG]) };
  }

  /** keys or values [B, H, T, d] with the learned tokens [P, dim] in front → [B, H, P + T, d]. */
  private withPrefix(t: Value, learned: Value | undefined): Value {
    if (!learned) return t;
    const b = this.b;
    const P = learned.shape[0];
    const heads = b.op1('Transpose', [b.op1('Reshape', [learned, b.ints([1, P, this.heads, this.headDim])])], { perm: [0, 2, 1, 3] });
    const batch = b.op1('Expand', [heads, b.ints([t.shape[0], this.heads, P, this.headDim])]);
    return b.op1('Concat', [batch, t], { axis: 2 });
  }

  /** The whole sequence under `mask` [1, 1, T, P + T] (P learned prefix tokens, 0 without). */
  forward(x: Value, mask: Value): { out: Value; kv: LayerKV } {
    return this.scoped(() => {
      const { q, k, v } = this.project(x);
      const key = this.withPrefix(k, this.prefix?.key);
      const value = this.withPrefix(v, this.prefix?.value);
      return { out: this.attend(q, key, value, mask), kv: { key, value } };
    });
  }

  /** One new position x [B, 1, dim]: its key and value are written into the cache at the slot, then attended with it. */
  step(x: Value, past: LayerKV, slot: StepSlot): { out: Value; kv: LayerKV } {
    return this.scoped(() => {
      const b = this.b;
      const { q, k, v } = this.project(x);
      // Where, not a blend: every other cached entry passes through bit for bit.
      const key = b.op1('Where', [slot.write, k, past.key]);
      const value = b.op1('Where', [slot.write, v, past.value]);
      return { out: this.attend(q, key, value, slot.mask), kv: { key, value } };
    });
  }
}

/** x + Attn(LN(x)), then x + MLP(LN(x)). */
class Block extends Module {
  norm1: LayerNorm;
  attn: SelfAttention;
  norm2: LayerNorm;
  fc1: Linear;
  fc2: Linear;

  constructor(parent: Parent, name: string, c: ArTransformerConfig) {
    super(parent, name);
    this.norm1 = new LayerNorm(this, 'norm1', c.width);
    this.attn = new SelfAttention(this, 'attn', c.width, c.heads);
    this.norm2 = new LayerNorm(this, 'norm2', c.width);
    this.fc1 = new Linear(this, 'fc1', c.width, c.width * c.mlpRatio);
    this.fc2 = new Linear(this, 'fc2', c.width * c.mlpRatio, c.width);
  }

  private mlp(h: Value): Value {
    return this.b.op1('Add', [h, this.fc2.forward(gelu(this.fc1.forward(this.norm2.forward(h))))]);
  }

  forward(x: Value, mask: Value): { out: Value; kv: LayerKV } {
    return this.scoped(() => {
      const a = this.attn.forward(this.norm1.forward(x), mask);
      return { out: this.mlp(this.b.op1('Add', [x, a.out])), kv: a.kv };
    });
  }

  step(x: Value, past: LayerKV, slot: StepSlot): { out: Value; kv: LayerKV } {
    return this.scoped(() => {
      const a = this.attn.step(this.norm1.forward(x), past, slot);
      return { out: this.mlp(this.b.op1('Add', [x, a.out])), kv: a.kv };
    });
  }
}

export class ArTransformer extends Module {
  readonly config: ArTransformerConfig;
  /** [codebookSize + 1, width]: the codes and <bos>. */
  readonly tokenTable: Value;
  /** [gridSize², width]: one per image input. The prefix carries the text encoder's own positions. */
  readonly positions: Value;
  /** [prefixLength, width]: the prefix of a dropped caption (classifier-free guidance's "unconditional"). */
  readonly emptyCaption: Value;
  text_proj: Linear;
  blocks: Block[];
  final_norm: LayerNorm;
  head: Linear;

  constructor(parent: Parent, name: string, config: ArTransformerConfig) {
    super(parent, name);
    const c = (this.config = arTransformerConfigSchema.parse(config));
    // GPT-2's N(0, 0.02) for the tables.
    this.tokenTable = this.param('token_embedding.weight', randn([vocabSize(c), c.width], this.p.rng, 0.02));
    this.positions = this.param('position_embedding', randn([imageTokens(c), c.width], this.p.rng, 0.02));
    this.emptyCaption = this.param('empty_caption', randn([c.prefixLength, c.width], this.p.rng, 0.02));
    this.text_proj = new Linear(this, 'text_proj', c.textDim, c.width);
    this.blocks = Array.from({ length: c.layers }, (_, i) => new Block(this, `blocks.${i}`, c));
    this.final_norm = new LayerNorm(this, 'final_norm', c.width);
    this.head = new Linear(this, 'head', c.width, c.codebookSize);
  }

  /**
   * Caption features [B, L, textDim] → the prefix [B, L, width]. `drop` [B, 1, 1] is 1 where the
   * caption is replaced by the empty one, 0 elsewhere (a product, not a blend: exact either way).
   */
  prefix(context: Value, drop: Value): Value {
    const c = this.config;
    if (context.rank !== 3 || context.shape[1] !== c.prefixLength || context.shape[2] !== c.textDim)
      throw new Error(`ArTransformer "${this.path}": the caption features are [${context.shape}], not [B, ${c.prefixLength}, ${c.textDim}]`);
    return this.scoped(() => {
      const b = this.b;
      const keep = b.op1('Sub', [b.scalar(1), drop]);
      return b.op1('Add', [b.op1('Mul', [this.text_proj.forward(context), keep]), b.op1('Mul', [this.emptyCaption, drop])]);
    });
  }

  /** Image inputs int64 [B, n] (codes or <bos>) read at input positions start … start + n − 1 → [B, n, width]. */
  embedInputs(ids: Value, start = 0): Value {
    const n = ids.shape[1];
    if (start < 0 || start + n > imageTokens(this.config)) throw new Error(`ArTransformer "${this.path}": inputs ${start}…${start + n - 1} are outside the ${imageTokens(this.config)} positions`);
    return this.scoped(() => {
      const b = this.b;
      const pos = b.op1('Slice', [this.positions, b.ints([start]), b.ints([start + n]), b.ints([0])]);
      return b.op1('Add', [b.op1('Gather', [this.tokenTable, ids], { axis: 0 }), pos]);
    });
  }

  /** One image input int64 [B, 1] at the input position held by `position` (int64 [1]) → [B, 1, width]. */
  embedInputAt(id: Value, position: Value): Value {
    return this.scoped(() => {
      const b = this.b;
      return b.op1('Add', [b.op1('Gather', [this.tokenTable, id], { axis: 0 }), b.op1('Gather', [this.positions, position], { axis: 0 })]);
    });
  }

  /** The sequence [B, T, width] under the mask [1, 1, T, T] → final hidden states and each layer's keys and values. */
  forward(h: Value, mask: Value): { hidden: Value; kv: LayerKV[] } {
    return this.scoped(() => {
      const kv: LayerKV[] = [];
      for (const block of this.blocks) {
        const r = block.forward(h, mask);
        h = r.out;
        kv.push(r.kv);
      }
      return { hidden: h, kv };
    });
  }

  /** One new position x [B, 1, width] against every layer's cache → its hidden state and the updated caches. */
  step(x: Value, past: readonly LayerKV[], slot: StepSlot): { hidden: Value; kv: LayerKV[] } {
    if (past.length !== this.blocks.length) throw new Error(`ArTransformer "${this.path}": ${past.length} cached layers for ${this.blocks.length} blocks`);
    return this.scoped(() => {
      const kv: LayerKV[] = [];
      let h = x;
      this.blocks.forEach((block, i) => {
        const r = block.step(h, past[i], slot);
        h = r.out;
        kv.push(r.kv);
      });
      return { hidden: h, kv };
    });
  }

  /** Gives every attention `length` learned key/value tokens (prefix tuning); their weights are tagged PREFIX_TAG. */
  addPrefixTokens(length: number): void {
    if (!Number.isInteger(length) || length < 1 || length > MAX_PREFIX_TOKENS) throw new Error(`prefix tuning: ${length} tokens per layer; give 1 … ${MAX_PREFIX_TOKENS}`);
    for (const block of this.blocks) block.attn.addPrefixTokens(length);
  }

  /** Learned prefix tokens per layer (0: none). */
  get prefixTokens(): number {
    return this.blocks[0].attn.prefix?.key.shape[0] ?? 0;
  }

  /** Hidden states [B, n, width] → logits over the codebook [B, n, codebookSize]. */
  logits(hidden: Value): Value {
    return this.scoped(() => this.head.forward(this.final_norm.forward(hidden)));
  }
}

/** Most learned prefix tokens per layer (each costs every position one more key to attend). */
export const MAX_PREFIX_TOKENS = 64;

/**
 * The additive attention mask of a prefix of `prefix` positions followed by `inputs` image inputs,
 * [1, 1, T, learned + T]: the first `learned` columns (prefix tuning's tokens) are open to every
 * row; prefix rows see the prefix (both ways); image rows see the prefix and the image inputs up
 * to their own.
 */
export function prefixCausalMask(prefix: number, inputs: number, learned = 0): Tensor {
  const T = prefix + inputs;
  const S = learned + T;
  const m = new Float32Array(T * S);
  for (let i = 0; i < T; i++) for (let j = 0; j < T; j++) m[i * S + learned + j] = j < prefix || (i >= prefix && j <= i) ? 0 : MASKED;
  return tensor('float32', [1, 1, T, S], m);
}
