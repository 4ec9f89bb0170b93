// StyleGAN2's layers in the engine's standard operators. Weights are stored as N(0, 1) and scaled at
// run time by 1/√fan_in (equalized learning rate, Karras et al. 2018), so Adam's per-weight step
// moves every layer at the same relative rate. The modulated convolution is the form with ONE
// shared weight for the whole batch: scale the input channels by the style, convolve, then
// demodulate the output channels by a per-sample norm. It works at any batch size, exposes the
// style space S (each layer's per-channel scales), and differentiates with the plain Conv rule.
import { f32, Module, type Params, randn, type Value } from '../../ml/index.ts';

type Parent = Params | Module;

const zeros = (n: number) => f32([n]);
const filled = (shape: number[], v: number) => f32(shape, new Float32Array(shape.reduce((a, b) => a * b, 1)).fill(v));

/** y = x · (W·c)ᵀ + b·lrMul, W ~ N(0, 1/lrMul²): an equalized-lr linear layer (the mapping net uses lrMul 0.01). */
export class EqualLinear extends Module {
  readonly weight: Value;
  readonly bias: Value | null;
  private readonly scale: number;

  constructor(
    parent: Parent,
    name: string,
    readonly inFeatures: number,
    readonly outFeatures: number,
    readonly opts: { lrMul?: number; biasInit?: number; bias?: boolean } = {},
  ) {
    super(parent, name);
    const lrMul = opts.lrMul ?? 1;
    this.scale = lrMul / Math.sqrt(inFeatures);
    this.weight = this.param('weight', randn([outFeatures, inFeatures], this.p.rng, 1 / lrMul));
    this.bias = opts.bias === false ? null : this.param('bias', filled([outFeatures], (opts.biasInit ?? 0) / lrMul));
  }

  /** x [B, in] → [B, out]. */
  forward(x: Value): Value {
    return this.scoped(() => {
      const b = this.b;
      const lrMul = this.opts.lrMul ?? 1;
      const w = b.op1('Mul', [this.weight, b.scalar(this.scale)]);
      const y = b.op1('Gemm', [x, w], { transB: 1 });
      return this.bias ? b.op1('Add', [y, lrMul === 1 ? this.bias : b.op1('Mul', [this.bias, b.scalar(lrMul)])]) : y;
    });
  }
}

/** An equalized-lr convolution (the discriminator's layers, and fromRGB). */
export class EqualConv2d extends Module {
  readonly weight: Value;
  readonly bias: Value | null;
  private readonly scale: number;

  constructor(
    parent: Parent,
    name: string,
    readonly inChannels: number,
    readonly outChannels: number,
    readonly kernel: number,
    readonly opts: { stride?: number; bias?: boolean } = {},
  ) {
    super(parent, name);
    this.scale = 1 / Math.sqrt(inChannels * kernel * kernel);
    this.weight = this.param('weight', randn([outChannels, inChannels, kernel, kernel], this.p.rng));
    this.bias = opts.bias === false ? null : this.param('bias', zeros(outChannels));
  }

  forward(x: Value): Value {
    return this.scoped(() => {
      const b = this.b;
      const k = this.kernel;
      const pad = (k - 1) >> 1;
      const w = b.op1('Mul', [this.weight, b.scalar(this.scale)]);
      const s = this.opts.stride ?? 1;
      return b.op1('Conv', this.bias ? [x, w, this.bias] : [x, w], { kernel_shape: [k, k], pads: [pad, pad, pad, pad], strides: [s, s] });
    });
  }
}

/**
 * The modulated convolution. The style s [B, Cin] comes from w through an affine layer (bias 1, so a
 * fresh layer starts as a plain convolution). Demodulation divides each output channel by
 * √(Σ_{in,k} (W·s)²) per sample, which StyleGAN2 uses instead of AdaIN's instance statistics.
 */
export class ModulatedConv2d extends Module {
  readonly affine: EqualLinear;
  readonly weight: Value;
  private readonly scale: number;
  /** A LoRA branch on the shared weight (pivotal tuning); null for a plain layer. */
  weightDelta: ((w: Value) => Value) | null = null;

  constructor(
    parent: Parent,
    name: string,
    readonly inChannels: number,
    readonly outChannels: number,
    readonly kernel: number,
    wDim: number,
    readonly demodulate = true,
  ) {
    super(parent, name);
    this.affine = new EqualLinear(this, 'affine', wDim, inChannels, { biasInit: 1 });
    this.scale = 1 / Math.sqrt(inChannels * kernel * kernel);
    this.weight = this.param('weight', randn([outChannels, inChannels, kernel, kernel], this.p.rng));
  }

  /** The style of this layer for w [B, wDim]: [B, Cin] (the S space). */
  style(w: Value): Value {
    return this.scoped(() => this.affine.forward(w));
  }

  /** x [B, Cin, H, W], style [B, Cin] → [B, Cout, H, W]. */
  forward(x: Value, style: Value): Value {
    const [B, cin] = style.shape;
    return this.scoped(() => {
      const b = this.b;
      const k = this.kernel;
      const pad = (k - 1) >> 1;
      let w = b.op1('Mul', [this.weight, b.scalar(this.scale)]);
      if (this.weightDelta) w = b.op1('Add', [w, this.weightDelta(w)]);
      const s4 = b.op1('Reshape', [style, b.ints([B, cin, 1, 1])]);
      let y = b.op1('Conv', [b.op1('Mul', [x, s4]), w], { kernel_shape: [k, k], pads: [pad, pad, pad, pad] });
      if (this.demodulate) {
        // Σ_k W² per (out, in), then the per-sample Σ_in s²·ΣW²: one small MatMul.
        const wsq = b.op1('ReduceSum', [b.op1('Mul', [w, w]), b.ints([2, 3])], { keepdims: 0 }); // [Cout, Cin]
        const energy = b.op1('MatMul', [b.op1('Mul', [style, style]), b.op1('Transpose', [wsq], { perm: [1, 0] })]); // [B, Cout]
        const d = b.op1('Reciprocal', [b.op1('Sqrt', [b.op1('Add', [energy, b.scalar(1e-8)])])]);
        y = b.op1('Mul', [y, b.op1('Reshape', [d, b.ints([B, this.outChannels, 1, 1])])]);
      }
      return y;
    });
  }
}

/** Per-pixel noise [B, 1, H, W] (a graph input) times a learned strength, plus a bias, then leaky ReLU. */
export class NoiseBiasAct extends Module {
  readonly strength: Value;
  readonly bias: Value;

  constructor(parent: Parent, name: string, channels: number) {
    super(parent, name);
    this.strength = this.param('noise_strength', f32([1]));
    this.bias = this.param('bias', zeros(channels));
  }

  forward(x: Value, noise: Value): Value {
    const c = x.shape[1];
    return this.scoped(() => {
      const b = this.b;
      const h = b.op1('Add', [b.op1('Add', [x, b.op1('Mul', [noise, this.strength])]), b.op1('Reshape', [this.bias, b.ints([1, c, 1, 1])])]);
      // StyleGAN's gain √2 keeps the activations' scale through leaky ReLU.
      return b.op1('Mul', [b.op1('LeakyRelu', [h], { alpha: 0.2 }), b.scalar(Math.SQRT2)]);
    });
  }
}

/** Bilinear ×2 upsampling (align_corners=False, as F.interpolate exports it). */
export function upsampleBilinear(x: Value): Value {
  const b = x.b;
  return b.op1('Resize', [x, null, b.constant(f32([4], [1, 1, 2, 2]))], { mode: 'linear', coordinate_transformation_mode: 'half_pixel' });
}

/** 2×2 average pooling (the discriminator's downsampling). */
export function downsample(x: Value): Value {
  return x.b.op1('AveragePool', [x], { kernel_shape: [2, 2], strides: [2, 2] });
}

export const leaky = (x: Value) => x.b.op1('Mul', [x.b.op1('LeakyRelu', [x], { alpha: 0.2 }), x.b.scalar(Math.SQRT2)]);
