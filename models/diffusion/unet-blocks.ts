// The UNet's building blocks, as in Stable Diffusion: a ResBlock that takes the timestep embedding,
// a spatial transformer (self-attention, cross-attention to the text, MLP) over the pixels as
// tokens, and the resampling convs. Layer names follow diffusers where a counterpart exists.
import { Attention, Conv2d, gelu, GroupNorm, LayerNorm, Linear, Module, silu, upsampleNearest, type Params, type Value } from '../../ml/index.ts';

/** What a module is declared under (ml/nn's Parent, spelled out: the engine's index does not name it). */
type Parent = Params | Module;

export class ResBlock extends Module {
  norm1: GroupNorm;
  conv1: Conv2d;
  time_emb_proj: Linear;
  norm2: GroupNorm;
  conv2: Conv2d;
  conv_shortcut: Conv2d | null;

  constructor(parent: Parent, name: string, cin: number, cout: number, tembDim: number, groups: number) {
    super(parent, name);
    this.norm1 = new GroupNorm(this, 'norm1', groups, cin);
    this.conv1 = new Conv2d(this, 'conv1', cin, cout, 3, { padding: 1 });
    this.time_emb_proj = new Linear(this, 'time_emb_proj', tembDim, cout);
    this.norm2 = new GroupNorm(this, 'norm2', groups, cout);
    this.conv2 = new Conv2d(this, 'conv2', cout, cout, 3, { padding: 1 });
    this.conv_shortcut = cin === cout ? null : new Conv2d(this, 'conv_shortcut', cin, cout, 1);
  }

  /** x [B, cin, H, W], temb [B, tembDim] (already through SiLU) → [B, cout, H, W]. */
  forward(x: Value, temb: Value): Value {
    return this.scoped(() => {
      const b = this.b;
      let h = this.conv1.forward(silu(this.norm1.forward(x)));
      const t = this.time_emb_proj.forward(temb);
      h = b.op1('Add', [h, b.op1('Reshape', [t, b.ints([0, t.shape[1], 1, 1])])]);
      h = this.conv2.forward(silu(this.norm2.forward(h)));
      return b.op1('Add', [this.conv_shortcut ? this.conv_shortcut.forward(x) : x, h]);
    });
  }
}

/** LN → self-attn, LN → cross-attn to the text, LN → GELU MLP; each with a residual. */
class TransformerBlock extends Module {
  norm1: LayerNorm;
  attn1: Attention;
  norm2: LayerNorm;
  attn2: Attention;
  norm3: LayerNorm;
  ff_in: Linear;
  ff_out: Linear;

  constructor(parent: Parent, name: string, dim: number, contextDim: number, heads: number) {
    super(parent, name);
    this.norm1 = new LayerNorm(this, 'norm1', dim);
    this.attn1 = new Attention(this, 'attn1', dim, { heads });
    this.norm2 = new LayerNorm(this, 'norm2', dim);
    this.attn2 = new Attention(this, 'attn2', dim, { heads, contextDim });
    this.norm3 = new LayerNorm(this, 'norm3', dim);
    this.ff_in = new Linear(this, 'ff_in', dim, dim * 4);
    this.ff_out = new Linear(this, 'ff_out', dim * 4, dim);
  }

  forward(x: Value, context: Value): Value {
    return this.scoped(() => {
      const b = this.b;
      let h = b.op1('Add', [x, this.attn1.forward(this.norm1.forward(x))]);
      h = b.op1('Add', [h, this.attn2.forward(this.norm2.forward(h), context)]);
      return b.op1('Add', [h, this.ff_out.forward(gelu(this.ff_in.forward(this.norm3.forward(h))))]);
    });
  }
}

/** GroupNorm → pixels as tokens → proj_in → transformer block → proj_out → back to NCHW, + x. */
export class SpatialTransformer extends Module {
  norm: GroupNorm;
  proj_in: Linear;
  block: TransformerBlock;
  proj_out: Linear;

  constructor(parent: Parent, name: string, channels: number, contextDim: number, heads: number, groups: number) {
    super(parent, name);
    this.norm = new GroupNorm(this, 'norm', groups, channels);
    this.proj_in = new Linear(this, 'proj_in', channels, channels);
    this.block = new TransformerBlock(this, 'transformer_blocks.0', channels, contextDim, heads);
    this.proj_out = new Linear(this, 'proj_out', channels, channels);
  }

  forward(x: Value, context: Value): Value {
    const [, c, hh, ww] = x.shape;
    return this.scoped(() => {
      const b = this.b;
      const seq = b.op1('Transpose', [b.op1('Reshape', [this.norm.forward(x), b.ints([0, c, hh * ww])])], { perm: [0, 2, 1] });
      const out = this.proj_out.forward(this.block.forward(this.proj_in.forward(seq), context));
      const img = b.op1('Reshape', [b.op1('Transpose', [out], { perm: [0, 2, 1] }), b.ints([0, c, hh, ww])]);
      return b.op1('Add', [x, img]);
    });
  }
}

export class Downsample extends Module {
  conv: Conv2d;
  constructor(parent: Parent, name: string, channels: number) {
    super(parent, name);
    this.conv = new Conv2d(this, 'conv', channels, channels, 3, { stride: 2, padding: 1 });
  }
  forward(x: Value): Value {
    return this.scoped(() => this.conv.forward(x));
  }
}

export class Upsample extends Module {
  conv: Conv2d;
  constructor(parent: Parent, name: string, channels: number) {
    super(parent, name);
    this.conv = new Conv2d(this, 'conv', channels, channels, 3, { padding: 1 });
  }
  forward(x: Value): Value {
    return this.scoped(() => this.conv.forward(upsampleNearest(x, 2)));
  }
}
