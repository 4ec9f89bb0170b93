// nn.Linear: y = x Wᵀ + b with W stored [out, in] as PyTorch stores it, so checkpoints map 1:1.
import type { Value } from '../builder.ts';
import { kaimingUniform } from './init.ts';
import { type Adapter, Module, type Parent } from './module.ts';

export interface LinearOptions {
  bias?: boolean;
}

export class Linear extends Module {
  readonly weight: Value;
  readonly bias: Value | null;
  /** A LoRA branch added to the output (see lora.ts); null for a plain layer. */
  adapter: Adapter | null = null;

  constructor(
    parent: Parent,
    name: string,
    readonly inFeatures: number,
    readonly outFeatures: number,
    opts: LinearOptions = {},
  ) {
    super(parent, name);
    const rng = this.p.rng;
    this.weight = this.param('weight', kaimingUniform([outFeatures, inFeatures], inFeatures, rng));
    this.bias = opts.bias === false ? null : this.param('bias', kaimingUniform([outFeatures], inFeatures, rng));
  }

  forward(x: Value): Value {
    return this.scoped(() => {
      const y = linear(x, this.weight, this.bias);
      return this.adapter ? this.b.op1('Add', [y, this.adapter.delta(x)]) : y;
    });
  }
}

/**
 * x [..., in] · Wᵀ (+ b). Rank-2 inputs use one Gemm (transB=1), as exporters write it;
 * higher ranks use MatMul with a transposed weight, which broadcasts over leading dimensions.
 */
export function linear(x: Value, weight: Value, bias: Value | null): Value {
  const b = x.b;
  const inF = weight.shape[1];
  if (x.shape[x.rank - 1] !== inF)
    throw new Error(`linear: input [${x.shape}] does not end in ${inF} features (weight [${weight.shape}])`);
  if (x.rank === 2) return b.op1('Gemm', bias ? [x, weight, bias] : [x, weight], { transB: 1 });
  const y = b.op1('MatMul', [x, b.op1('Transpose', [weight], { perm: [1, 0] })]);
  return bias ? b.op1('Add', [y, bias]) : y;
}
