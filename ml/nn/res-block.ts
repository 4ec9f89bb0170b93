// The pre-activation residual block the convolutional models here share (the VAE, the evaluator's
// image tower, the GAN encoder, the AR tokenizer): x + conv(silu(gn(conv(silu(gn(x)))))), with a
// 1×1 convolution on the skip path when the channel count changes. Weight names: norm1, conv1,
// norm2, conv2 (and skip).
import { Conv2d } from './conv.ts';
import { silu } from './activation.ts';
import { Module, type Parent } from './module.ts';
import { GroupNorm } from './norm.ts';
import type { Value } from '../builder.ts';

export class ResBlock extends Module {
  norm1: GroupNorm;
  conv1: Conv2d;
  norm2: GroupNorm;
  conv2: Conv2d;
  skip: Conv2d | null;

  constructor(parent: Parent, name: string, cin: number, cout: number, groups: number) {
    super(parent, name);
    this.norm1 = new GroupNorm(this, 'norm1', groups, cin);
    this.conv1 = new Conv2d(this, 'conv1', cin, cout, 3, { padding: 1 });
    this.norm2 = new GroupNorm(this, 'norm2', groups, cout);
    this.conv2 = new Conv2d(this, 'conv2', cout, cout, 3, { padding: 1 });
    this.skip = cin === cout ? null : new Conv2d(this, 'skip', cin, cout, 1);
  }

  forward(x: Value): Value {
    return this.scoped(() => {
      const h = this.conv1.forward(silu(this.norm1.forward(x)));
      const y = this.conv2.forward(silu(this.norm2.forward(h)));
      return this.b.op1('Add', [this.skip ? this.skip.forward(x) : x, y]);
    });
  }
}
