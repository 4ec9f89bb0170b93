// The discriminator: StyleGAN2's residual architecture (fromRGB, residual blocks that halve the
// resolution, a minibatch-standard-deviation feature at 4×4, two dense layers), conditioned on the
// sub-category by projection (Miyato & Koyama 2018): the score adds ⟨features, embed(class)⟩.
import { Module, type Params, type Value } from '../../ml/index.ts';
import { checkGanConfig, type GanConfig, levelsOf } from './config.ts';
import { downsample, EqualConv2d, EqualLinear, leaky } from './layers.ts';

type Parent = Params | Module;

class DBlock extends Module {
  conv0: EqualConv2d;
  conv1: EqualConv2d;
  skip: EqualConv2d;
  constructor(parent: Parent, name: string, cin: number, cout: number) {
    super(parent, name);
    this.conv0 = new EqualConv2d(this, 'conv0', cin, cin, 3);
    this.conv1 = new EqualConv2d(this, 'conv1', cin, cout, 3);
    this.skip = new EqualConv2d(this, 'skip', cin, cout, 1, { bias: false });
  }
  forward(x: Value): Value {
    return this.scoped(() => {
      const b = this.b;
      const main = downsample(leaky(this.conv1.forward(leaky(this.conv0.forward(x)))));
      const skip = this.skip.forward(downsample(x));
      return b.op1('Mul', [b.op1('Add', [main, skip]), b.scalar(Math.SQRT1_2)]);
    });
  }
}

/**
 * The standard deviation of each feature over groups of `group` samples, averaged to one number per
 * group and appended as a channel: lets the discriminator see a batch's lack of variety.
 */
export function minibatchStd(x: Value, group: number): Value {
  const b = x.b;
  const [B, C, H, W] = x.shape;
  const G = Math.min(group, B);
  if (B % G) throw new Error(`minibatch std: batch ${B} is not a multiple of the group size ${G}`);
  const n = B / G;
  const y = b.op1('Reshape', [x, b.ints([G, n, C, H, W])]);
  const centred = b.op1('Sub', [y, b.op1('ReduceMean', [y], { axes: [0], keepdims: 1 })]);
  const variance = b.op1('ReduceMean', [b.op1('Mul', [centred, centred])], { axes: [0], keepdims: 1 }); // [1, n, C, H, W]
  const std = b.op1('Sqrt', [b.op1('Add', [variance, b.scalar(1e-8)])]);
  const perGroup = b.op1('ReduceMean', [std], { axes: [2, 3, 4], keepdims: 1 }); // [1, n, 1, 1, 1]
  const tiled = b.op1('Reshape', [b.op1('Expand', [perGroup, b.ints([G, n, 1, H, W])]), b.ints([B, 1, H, W])]);
  return b.op1('Concat', [x, tiled], { axis: 1 });
}

export class Discriminator extends Module {
  fromrgb: EqualConv2d;
  blocks: DBlock[] = [];
  conv: EqualConv2d;
  fc: EqualLinear;
  out: EqualLinear;
  cmap: EqualLinear | null;

  constructor(parent: Parent, name: string, readonly c: GanConfig) {
    super(parent, name);
    checkGanConfig(c);
    const ch = c.dChannels;
    this.fromrgb = new EqualConv2d(this, 'fromrgb', c.imageChannels, ch[0], 1);
    for (let i = 0; i < levelsOf(c) - 1; i++) this.blocks.push(new DBlock(this, `b${c.resolution >> i}`, ch[i], ch[i + 1]));
    const top = ch[ch.length - 1];
    this.conv = new EqualConv2d(this, 'epilogue.conv', top + 1, top, 3);
    this.fc = new EqualLinear(this, 'epilogue.fc', top * 16, top);
    this.cmap = c.classes ? new EqualLinear(this, 'epilogue.cmap', c.classes, top) : null;
    this.out = new EqualLinear(this, 'epilogue.out', top, c.classes ? top : 1);
  }

  /** images [B, C, R, R] in [−1, 1] (+ one-hot class [B, classes]) → score [B, 1] (a logit: real > 0). */
  forward(images: Value, cls: Value | null): Value {
    const c = this.c;
    if (images.rank !== 4 || images.shape[1] !== c.imageChannels || images.shape[2] !== c.resolution || images.shape[3] !== c.resolution)
      throw new Error(`Discriminator "${this.path}": images [${images.shape}] are not [B, ${c.imageChannels}, ${c.resolution}, ${c.resolution}]`);
    return this.scoped(() => {
      const b = this.b;
      let x = leaky(this.fromrgb.forward(images));
      for (const blk of this.blocks) x = blk.forward(x);
      x = leaky(this.conv.forward(minibatchStd(x, c.mbstdGroup)));
      const B = x.shape[0];
      x = leaky(this.fc.forward(b.op1('Reshape', [x, b.ints([B, -1])])));
      const y = this.out.forward(x);
      if (!this.cmap) return y;
      if (!cls) throw new Error(`Discriminator "${this.path}": this discriminator is conditioned on ${c.classes} classes; give a class`);
      const proj = b.op1('Mul', [y, this.cmap.forward(cls)]);
      return b.op1('Mul', [b.op1('ReduceSum', [proj, b.ints([1])], { keepdims: 1 }), b.scalar(1 / Math.sqrt(y.shape[1]))]);
    });
  }
}
