// nn.Embedding: a [num, dim] table read with Gather; initialized N(0, 1) as in PyTorch.
import type { Value } from '../builder.ts';
import { normal } from './init.ts';
import { Module, type Parent } from './module.ts';

export class Embedding extends Module {
  readonly weight: Value;

  constructor(
    parent: Parent,
    name: string,
    readonly num: number,
    readonly dim: number,
  ) {
    super(parent, name);
    this.weight = this.param('weight', normal([num, dim], this.p.rng));
  }

  /** ids: int64 (or int32) indices of any shape → [...ids.shape, dim]. */
  forward(ids: Value): Value {
    if (ids.dtype !== 'int64' && ids.dtype !== 'int32') throw new Error(`Embedding "${this.path}": ids are ${ids.dtype}, not integers`);
    return this.scoped(() => this.b.op1('Gather', [this.weight, ids], { axis: 0 }));
  }
}
