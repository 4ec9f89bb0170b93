// nn.Conv2d and nn.ConvTranspose2d over NCHW, with PyTorch's weight layouts and initialization.
import type { Value } from '../builder.ts';
import { kaimingUniform } from './init.ts';
import { type Adapter, Module, type Parent } from './module.ts';

export type Pair = number | readonly [number, number];
const pair = (v: Pair): [number, number] => (typeof v === 'number' ? [v, v] : [v[0], v[1]]);

export interface Conv2dOptions {
  stride?: Pair;
  /** Zero padding on each side (symmetric, as in PyTorch). */
  padding?: Pair;
  dilation?: Pair;
  groups?: number;
  bias?: boolean;
}

/** The geometry attributes of a Conv node; LoRA reuses them for its down-projection. */
export interface ConvGeometry {
  kernel: [number, number];
  stride: [number, number];
  padding: [number, number];
  dilation: [number, number];
}

export class Conv2d extends Module {
  readonly weight: Value;
  readonly bias: Value | null;
  readonly geometry: ConvGeometry;
  readonly groups: number;
  /** A LoRA branch added to the output (see lora.ts); null for a plain layer. */
  adapter: Adapter | null = null;

  constructor(
    parent: Parent,
    name: string,
    readonly inChannels: number,
    readonly outChannels: number,
    kernel: Pair,
    opts: Conv2dOptions = {},
  ) {
    super(parent, name);
    const k = pair(kernel);
    this.groups = opts.groups ?? 1;
    if (inChannels % this.groups || outChannels % this.groups)
      throw new Error(`Conv2d "${this.path}": ${inChannels}→${outChannels} channels are not divisible by groups=${this.groups}`);
    this.geometry = {
      kernel: k,
      stride: pair(opts.stride ?? 1),
      padding: pair(opts.padding ?? 0),
      dilation: pair(opts.dilation ?? 1),
    };
    const fanIn = (inChannels / this.groups) * k[0] * k[1];
    const rng = this.p.rng;
    this.weight = this.param('weight', kaimingUniform([outChannels, inChannels / this.groups, k[0], k[1]], fanIn, rng));
    this.bias = opts.bias === false ? null : this.param('bias', kaimingUniform([outChannels], fanIn, rng));
  }

  forward(x: Value): Value {
    return this.scoped(() => {
      const y = conv2d(x, this.weight, this.bias, this.geometry, this.groups);
      return this.adapter ? this.b.op1('Add', [y, this.adapter.delta(x)]) : y;
    });
  }
}

export function conv2d(x: Value, weight: Value, bias: Value | null, g: ConvGeometry, groups = 1): Value {
  const [ph, pw] = g.padding;
  return x.b.op1('Conv', bias ? [x, weight, bias] : [x, weight], {
    kernel_shape: [...g.kernel],
    strides: [...g.stride],
    pads: [ph, pw, ph, pw],
    dilations: [...g.dilation],
    group: groups,
  });
}

export interface ConvTranspose2dOptions extends Conv2dOptions {
  /** Extra rows/columns on the bottom/right of the output (PyTorch output_padding). */
  outputPadding?: Pair;
}

/** Weight [in, out/groups, kh, kw]; output size (i−1)·s − 2p + d·(k−1) + output_padding + 1. */
export class ConvTranspose2d extends Module {
  readonly weight: Value;
  readonly bias: Value | null;
  private readonly attrs: Record<string, number | number[]>;

  constructor(
    parent: Parent,
    name: string,
    readonly inChannels: number,
    readonly outChannels: number,
    kernel: Pair,
    opts: ConvTranspose2dOptions = {},
  ) {
    super(parent, name);
    const k = pair(kernel);
    const groups = opts.groups ?? 1;
    const [ph, pw] = pair(opts.padding ?? 0);
    this.attrs = {
      kernel_shape: k,
      strides: pair(opts.stride ?? 1),
      pads: [ph, pw, ph, pw],
      dilations: pair(opts.dilation ?? 1),
      output_padding: pair(opts.outputPadding ?? 0),
      group: groups,
    };
    // PyTorch computes fan_in from weight.size(1) · receptive field, i.e. from the OUTPUT channels.
    const fanIn = (outChannels / groups) * k[0] * k[1];
    const rng = this.p.rng;
    this.weight = this.param('weight', kaimingUniform([inChannels, outChannels / groups, k[0], k[1]], fanIn, rng));
    this.bias = opts.bias === false ? null : this.param('bias', kaimingUniform([outChannels], fanIn, rng));
  }

  forward(x: Value): Value {
    return this.scoped(() => this.b.op1('ConvTranspose', this.bias ? [x, this.weight, this.bias] : [x, this.weight], this.attrs));
  }
}
