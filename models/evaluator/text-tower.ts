// The evaluator's text tower: its own token and position embeddings, a few pre-LayerNorm
// transformer blocks with full (bidirectional) attention over the non-pad tokens, the mean of
// the non-pad positions, and a linear projection. Full attention and mean pooling instead of
// CLIP's causal mask and <eos> token: captions are short and unordered enough ("face with tears
// of joy") that every token may look at every other, and the mean needs no per-row index.
import { Attention, Embedding, gelu, LayerNorm, Linear, Module, Params, randn, tensor, type Value } from '../../ml/index.ts';
import type { ClipConfig } from './config.ts';

type Parent = Params | Module;

class Block extends Module {
  ln1: LayerNorm;
  attn: Attention;
  ln2: LayerNorm;
  fc1: Linear;
  fc2: Linear;

  constructor(parent: Parent, name: string, dim: number, heads: number) {
    super(parent, name);
    this.ln1 = new LayerNorm(this, 'ln1', dim);
    this.attn = new Attention(this, 'attn', dim, { heads, qkvBias: true });
    this.ln2 = new LayerNorm(this, 'ln2', dim);
    this.fc1 = new Linear(this, 'fc1', dim, 4 * dim);
    this.fc2 = new Linear(this, 'fc2', 4 * dim, dim);
  }

  forward(x: Value, mask: Value): Value {
    return this.scoped(() => {
      const b = this.b;
      const h = b.op1('Add', [x, this.attn.forward(this.ln1.forward(x), undefined, mask)]);
      return b.op1('Add', [h, this.fc2.forward(gelu(this.fc1.forward(this.ln2.forward(h)), 'tanh'))]);
    });
  }
}

export class TextTower extends Module {
  tok: Embedding;
  readonly pos: Value;
  layers: Block[] = [];
  ln: LayerNorm;
  proj: Linear;

  constructor(
    parent: Parent,
    name: string,
    readonly config: ClipConfig,
  ) {
    super(parent, name);
    const { vocabSize, maxLength, textDim, textLayers, textHeads } = config;
    this.tok = new Embedding(this, 'tok', vocabSize, textDim);
    // Small position embeddings, as CLIP initializes them (std 0.01), so words dominate at first.
    this.pos = this.param('pos', randn([maxLength, textDim], this.p.rng, 0.01));
    for (let i = 0; i < textLayers; i++) this.layers.push(new Block(this, `layer${i}`, textDim, textHeads));
    this.ln = new LayerNorm(this, 'ln', textDim);
    this.proj = new Linear(this, 'proj', textDim, config.embedDim, { bias: false });
  }

  /** ids [B, maxLength] int64 → projected embedding [B, embedDim], not yet normalized. */
  forward(ids: Value): Value {
    const { maxLength, padId } = this.config;
    if (ids.rank !== 2 || ids.shape[1] !== maxLength) throw new Error(`TextTower "${this.path}": expects [B, ${maxLength}] ids, got [${ids.shape}]`);
    return this.scoped(() => {
      const b = this.b;
      // keep[b, l] = 1 for real tokens, 0 for padding; computed from the ids so callers feed ids only.
      const isPad = b.op1('Equal', [ids, b.constant(tensor(ids.dtype, [], [padId]))]);
      const keep = b.op1('Cast', [b.op1('Not', [isPad])], { to: 1 });
      // Additive attention mask [B, 1, 1, L]: padded keys get −1e4, i.e. no attention weight.
      const mask = b.op1('Reshape', [b.op1('Mul', [b.op1('Sub', [keep, b.scalar(1)]), b.scalar(1e4)]), b.ints([0, 1, 1, maxLength])]);
      let h = b.op1('Add', [this.tok.forward(ids), this.pos]);
      for (const layer of this.layers) h = layer.forward(h, mask);
      h = this.ln.forward(h);
      // Masked mean over positions: Σ h·keep / Σ keep.
      const keep3 = b.op1('Unsqueeze', [keep, b.ints([2])]);
      const sum = b.op1('ReduceSum', [b.op1('Mul', [h, keep3]), b.ints([1])], { keepdims: 0 });
      const count = b.op1('ReduceSum', [keep, b.ints([1])], { keepdims: 1 });
      const mean = b.op1('Div', [sum, b.op1('Max', [count, b.scalar(1)])]);
      return this.proj.forward(mean);
    });
  }
}
