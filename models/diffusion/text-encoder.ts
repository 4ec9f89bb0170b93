// The prompt encoder: token embeddings + learned positions + pre-LN transformer layers, giving one
// context vector per token for the UNet's cross-attention. forward() starts from the token
// EMBEDDINGS, not the ids: Textual Inversion feeds a sequence in which a placeholder's row is a
// learned vector (and differentiates with respect to it); ordinary prompts get theirs from
// lookupTokens() over the table, or from embed() inside a graph that trains the table.
import { z } from 'zod';
import { Attention, gelu, LayerNorm, Linear, Module, type Params, randn, type Value } from '../../ml/index.ts';

/** What a module is declared under (ml/nn's Parent, spelled out: the engine's index does not name it). */
type Parent = Params | Module;

export const textEncoderConfigSchema = z.object({
  /** Rows of the token table: the tokenizer's vocabulary including its placeholder slots. */
  vocabSize: z.number().int().positive().max(65_536),
  /** Tokens per prompt (padded/truncated by the tokenizer). */
  maxLength: z.number().int().positive().max(1024),
  dim: z.number().int().positive().max(2048).default(128),
  layers: z.number().int().min(1).max(48).default(3),
  heads: z.number().int().positive().max(64).default(4),
  mlpRatio: z.number().int().positive().max(8).default(4),
});
export type TextEncoderConfig = z.infer<typeof textEncoderConfigSchema>;

/** Pre-LN block: x + Attn(LN(x)), then x + MLP(LN(x)), as CLIP's text tower. */
class EncoderLayer extends Module {
  norm1: LayerNorm;
  attn: Attention;
  norm2: LayerNorm;
  fc1: Linear;
  fc2: Linear;

  constructor(parent: Parent, name: string, c: TextEncoderConfig) {
    super(parent, name);
    this.norm1 = new LayerNorm(this, 'norm1', c.dim);
    this.attn = new Attention(this, 'attn', c.dim, { heads: c.heads, qkvBias: true });
    this.norm2 = new LayerNorm(this, 'norm2', c.dim);
    this.fc1 = new Linear(this, 'fc1', c.dim, c.dim * c.mlpRatio);
    this.fc2 = new Linear(this, 'fc2', c.dim * c.mlpRatio, c.dim);
  }

  forward(x: Value): Value {
    return this.scoped(() => {
      const b = this.b;
      const h = b.op1('Add', [x, this.attn.forward(this.norm1.forward(x))]);
      return b.op1('Add', [h, this.fc2.forward(gelu(this.fc1.forward(this.norm2.forward(h))))]);
    });
  }
}

export class TextEncoder extends Module {
  readonly config: TextEncoderConfig;
  /** [vocabSize, dim]; CLIP's 0.02 scale, so a learned placeholder starts among its peers. */
  readonly tokenTable: Value;
  readonly positions: Value;
  layers: EncoderLayer[];
  final_norm: LayerNorm;

  constructor(parent: Parent, name: string, config: TextEncoderConfig) {
    super(parent, name);
    const c = (this.config = textEncoderConfigSchema.parse(config));
    this.tokenTable = this.param('token_embedding.weight', randn([c.vocabSize, c.dim], this.p.rng, 0.02));
    this.positions = this.param('position_embedding', randn([c.maxLength, c.dim], this.p.rng, 0.01));
    this.layers = Array.from({ length: c.layers }, (_, i) => new EncoderLayer(this, `layers.${i}`, c));
    this.final_norm = new LayerNorm(this, 'final_norm', c.dim);
  }

  /** ids int64 [B, L] → token embeddings [B, L, dim] (a Gather, so the table gets gradients). */
  embed(ids: Value): Value {
    return this.scoped(() => this.b.op1('Gather', [this.tokenTable, ids], { axis: 0 }));
  }

  /** token embeddings [B, L, dim] → context [B, L, dim]. */
  forward(tokens: Value): Value {
    const c = this.config;
    if (tokens.rank !== 3 || tokens.shape[1] !== c.maxLength || tokens.shape[2] !== c.dim)
      throw new Error(`TextEncoder "${this.path}": expects [B, ${c.maxLength}, ${c.dim}], got [${tokens.shape}]`);
    return this.scoped(() => {
      let h = this.b.op1('Add', [tokens, this.positions]);
      for (const l of this.layers) h = l.forward(h);
      return this.final_norm.forward(h);
    });
  }
}

/** The rows of `table` ([vocab, dim], flat) for each id: [ids.length, dim] flat (a JS Gather). */
export function lookupTokens(table: Float32Array, dim: number, ids: ArrayLike<number>): Float32Array {
  const vocab = table.length / dim;
  const out = new Float32Array(ids.length * dim);
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i];
    if (!Number.isInteger(id) || id < 0 || id >= vocab) throw new Error(`token id ${id} is outside the vocabulary of ${vocab}`);
    out.set(table.subarray(id * dim, (id + 1) * dim), i * dim);
  }
  return out;
}
