// Normalization layers: GroupNorm and LayerNorm with PyTorch's parameter names and defaults.
import type { Value } from '../builder.ts';
import { ones, zeros } from './init.ts';
import { Module, type Parent } from './module.ts';

export interface GroupNormOptions {
  eps?: number;
  affine?: boolean;
  /**
   * 'instancenorm' (default) writes GroupNorm as exporters do: Reshape to [N, G, −1],
   * InstanceNormalization with unit scale, Reshape back, then the per-channel affine. That is one
   * fused kernel in every runtime and the same pattern imported checkpoints contain, so authored
   * and imported graphs share one gradient path. 'reduce' spells out the statistics with
   * ReduceMean/Sub/Mul/Sqrt/Div — more nodes, but only the most basic operators.
   */
  impl?: 'instancenorm' | 'reduce';
}

/** nn.GroupNorm(num_groups, num_channels) over NC… inputs; weight/bias of shape [C]. */
export class GroupNorm extends Module {
  readonly weight: Value | null;
  readonly bias: Value | null;
  readonly eps: number;
  private readonly impl: 'instancenorm' | 'reduce';

  constructor(
    parent: Parent,
    name: string,
    readonly groups: number,
    readonly channels: number,
    opts: GroupNormOptions = {},
  ) {
    super(parent, name);
    if (channels % groups) throw new Error(`GroupNorm "${this.path}": ${channels} channels are not divisible into ${groups} groups`);
    this.eps = opts.eps ?? 1e-5;
    this.impl = opts.impl ?? 'instancenorm';
    const affine = opts.affine ?? true;
    this.weight = affine ? this.param('weight', ones([channels])) : null;
    this.bias = affine ? this.param('bias', zeros([channels])) : null;
  }

  forward(x: Value): Value {
    if (x.rank < 3 || x.shape[1] !== this.channels)
      throw new Error(`GroupNorm "${this.path}": expects [N, ${this.channels}, …], got [${x.shape}]`);
    return this.scoped(() => {
      const b = this.b;
      const G = this.groups;
      // 0 keeps the batch dimension, so the pattern is the one exporters emit for dynamic batch.
      const grouped = b.op1('Reshape', [x, b.ints([0, G, -1])]);
      let y: Value;
      if (this.impl === 'instancenorm') {
        const unit = b.constant(ones([G]));
        const zero = b.constant(zeros([G]));
        y = b.op1('InstanceNormalization', [grouped, unit, zero], { epsilon: this.eps });
      } else {
        const mean = b.op1('ReduceMean', [grouped], { axes: [2], keepdims: 1 });
        const d = b.op1('Sub', [grouped, mean]);
        const v = b.op1('ReduceMean', [b.op1('Mul', [d, d])], { axes: [2], keepdims: 1 });
        y = b.op1('Div', [d, b.op1('Sqrt', [b.op1('Add', [v, b.scalar(this.eps)])])]);
      }
      y = b.op1('Reshape', [y, b.ints([0, ...x.shape.slice(1)])]);
      return this.weight && this.bias ? channelAffine(y, this.weight, this.bias) : y;
    });
  }
}

/** y·γ + β with γ, β of shape [C] broadcast over NC… (reshaped to [C, 1, …]). */
function channelAffine(y: Value, gamma: Value, beta: Value): Value {
  const b = y.b;
  const shape = [y.shape[1], ...y.shape.slice(2).map(() => 1)];
  const g = b.op1('Reshape', [gamma, b.ints(shape)]);
  const bb = b.op1('Reshape', [beta, b.ints(shape)]);
  return b.op1('Add', [b.op1('Mul', [y, g]), bb]);
}

export interface LayerNormOptions {
  eps?: number;
  /** elementwise_affine=False leaves weight out (unit scale, a constant) and bias out. */
  affine?: boolean;
  bias?: boolean;
}

/** nn.LayerNorm(normalized_shape) as one LayerNormalization node (opset 17) over the trailing dims. */
export class LayerNorm extends Module {
  readonly weight: Value | null;
  readonly bias: Value | null;
  readonly shape: number[];
  readonly eps: number;

  constructor(parent: Parent, name: string, normalizedShape: number | readonly number[], opts: LayerNormOptions = {}) {
    super(parent, name);
    this.shape = typeof normalizedShape === 'number' ? [normalizedShape] : [...normalizedShape];
    this.eps = opts.eps ?? 1e-5;
    const affine = opts.affine ?? true;
    this.weight = affine ? this.param('weight', ones(this.shape)) : null;
    this.bias = affine && opts.bias !== false ? this.param('bias', zeros(this.shape)) : null;
  }

  forward(x: Value): Value {
    const tail = x.shape.slice(x.rank - this.shape.length);
    if (tail.length !== this.shape.length || tail.some((d, i) => d !== this.shape[i]))
      throw new Error(`LayerNorm "${this.path}": input [${x.shape}] does not end in [${this.shape}]`);
    return this.scoped(() => {
      const b = this.b;
      const scale = this.weight ?? b.constant(ones(this.shape));
      return b.op1('LayerNormalization', this.bias ? [x, scale, this.bias] : [x, scale], {
        axis: -this.shape.length,
        epsilon: this.eps,
      });
    });
  }
}

