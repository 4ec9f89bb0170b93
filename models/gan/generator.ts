// A StyleGAN2-like generator: a mapping network z (+ sub-category) → w, and a synthesis network that
// grows a learned 4×4 constant to the image through modulated convolutions, per-layer noise,
// bilinear upsampling and toRGB skips. Every inversion space of the GAN family is a point where a
// graph can start: Z (the mapping's input), W (one w for all layers), W+ (one w per layer), S (the
// per-layer styles) and F (the state entering some level: its input feature map and the RGB skip
// sum so far, with W+ above it).
import { f32, i64, Module, type Params, randn, type Value } from '../../ml/index.ts';
import { checkGanConfig, type GanConfig, levelsOf, numWs } from './config.ts';
import { EqualLinear, leaky, ModulatedConv2d, NoiseBiasAct, upsampleBilinear } from './layers.ts';

type Parent = Params | Module;

/** x · rsqrt(mean(x², axis 1) + ε): StyleGAN's normalization of z and of the class embedding. */
export function normalize2nd(x: Value): Value {
  const b = x.b;
  const ms = b.op1('ReduceMean', [b.op1('Mul', [x, x])], { axes: [1], keepdims: 1 });
  return b.op1('Mul', [x, b.op1('Reciprocal', [b.op1('Sqrt', [b.op1('Add', [ms, b.scalar(1e-8)])])])]);
}

export class Mapping extends Module {
  embed: EqualLinear | null;
  layers: EqualLinear[] = [];

  constructor(parent: Parent, name: string, readonly c: GanConfig) {
    super(parent, name);
    this.embed = c.classes ? new EqualLinear(this, 'embed', c.classes, c.wDim) : null;
    const inDim = c.zDim + (c.classes ? c.wDim : 0);
    for (let i = 0; i < c.mappingLayers; i++) this.layers.push(new EqualLinear(this, `fc${i}`, i ? c.wDim : inDim, c.wDim, { lrMul: c.mappingLrMul }));
  }

  /** z [B, zDim] (+ one-hot class [B, classes]) → w [B, wDim]. */
  forward(z: Value, cls: Value | null): Value {
    return this.scoped(() => {
      let h = normalize2nd(z);
      if (this.embed) {
        if (!cls) throw new Error(`Mapping "${this.path}": this generator is conditioned on ${this.c.classes} classes; give a class`);
        h = this.b.op1('Concat', [h, normalize2nd(this.embed.forward(cls))], { axis: 1 });
      }
      for (const l of this.layers) h = leaky(l.forward(h));
      return h;
    });
  }
}

/** One modulated layer of the synthesis network with its noise, bias and activation. */
class StyledConv extends Module {
  conv: ModulatedConv2d;
  act: NoiseBiasAct;
  constructor(parent: Parent, name: string, cin: number, cout: number, wDim: number) {
    super(parent, name);
    this.conv = new ModulatedConv2d(this, 'conv', cin, cout, 3, wDim);
    this.act = new NoiseBiasAct(this, 'act', cout);
  }
  forward(x: Value, style: Value, noise: Value): Value {
    return this.scoped(() => this.act.forward(this.conv.forward(x, style), noise));
  }
}

class ToRGB extends Module {
  conv: ModulatedConv2d;
  bias: Value;
  constructor(parent: Parent, name: string, cin: number, out: number, wDim: number) {
    super(parent, name);
    this.conv = new ModulatedConv2d(this, 'conv', cin, out, 1, wDim, false);
    this.bias = this.param('bias', f32([out]));
  }
  forward(x: Value, style: Value): Value {
    return this.scoped(() => this.b.op1('Add', [this.conv.forward(x, style), this.b.op1('Reshape', [this.bias, this.b.ints([1, this.bias.shape[0], 1, 1])])]));
  }
}

/** A level of the synthesis: (upsample →) conv0 → conv1, and its toRGB. Level 0 has conv1 only. */
class Level extends Module {
  conv0: StyledConv | null;
  conv1: StyledConv;
  torgb: ToRGB;
  constructor(parent: Parent, name: string, readonly level: number, cin: number, cout: number, c: GanConfig) {
    super(parent, name);
    this.conv0 = level > 0 ? new StyledConv(this, 'conv0', cin, cout, c.wDim) : null;
    this.conv1 = new StyledConv(this, 'conv1', level > 0 ? cout : cin, cout, c.wDim);
    this.torgb = new ToRGB(this, 'torgb', cout, c.imageChannels, c.wDim);
  }
}

/** Where each modulated layer takes its w in W+: conv0 of level l at 2l−1, conv1 at 2l, toRGB at 2l+1. */
export interface StyleLayer {
  /** Dotted path of the layer's ModulatedConv2d, e.g. 'g.synthesis.b16.conv0.conv'. */
  path: string;
  wIndex: number;
  conv: ModulatedConv2d;
}

export class Synthesis extends Module {
  readonly const: Value;
  levels: Level[] = [];

  constructor(parent: Parent, name: string, readonly c: GanConfig) {
    super(parent, name);
    checkGanConfig(c);
    this.const = this.param('const', randn([1, c.channels[0], 4, 4], this.p.rng));
    for (let l = 0; l < levelsOf(c); l++) this.levels.push(new Level(this, `b${4 << l}`, l, l ? c.channels[l - 1] : c.channels[0], c.channels[l], c));
  }

  /** Every modulated layer in order of use, with the W+ entry that drives it. */
  styleLayers(): StyleLayer[] {
    const out: StyleLayer[] = [];
    this.levels.forEach((lvl, l) => {
      if (lvl.conv0) out.push({ path: lvl.conv0.conv.path, wIndex: 2 * l - 1, conv: lvl.conv0.conv });
      out.push({ path: lvl.conv1.conv.path, wIndex: 2 * l, conv: lvl.conv1.conv });
      out.push({ path: lvl.torgb.conv.path, wIndex: 2 * l + 1, conv: lvl.torgb.conv });
    });
    return out;
  }

  /** The S space: each layer's style [B, Cin] from W+ ws [B, numWs, wDim]. */
  styles(ws: Value): Value[] {
    const [, n, wDim] = ws.shape;
    if (n !== numWs(this.c) || wDim !== this.c.wDim) throw new Error(`Synthesis "${this.path}": W+ [${ws.shape}] is not [B, ${numWs(this.c)}, ${this.c.wDim}]`);
    return this.scoped(() => {
      const b = this.b;
      const rows = Array.from({ length: n }, (_, i) => b.op1('Gather', [ws, b.constant(i64([], [i]))], { axis: 1 }));
      return this.styleLayers().map((s) => s.conv.style(rows[s.wIndex]));
    });
  }

  /**
   * Styles (one per layer, as styles() orders them) and noises ({ name: [B, 1, side, side] }) → image.
   * With `start`, synthesis begins at that level from its state (the F space): the levels below are
   * skipped and their styles ignored.
   */
  forward(styles: Value[], noises: Record<string, Value>, start?: { level: number } & SynthesisState): Value {
    // After the last level the RGB sum is the image.
    return this.scoped(() => this.run(styles, noises, start ?? null, this.levels.length).skip);
  }

  /** The state entering `level` (1 … levels − 1): what forward() resumes from, the F space's code. */
  stateAt(styles: Value[], noises: Record<string, Value>, level: number): SynthesisState {
    if (!(Number.isInteger(level) && level >= 1 && level < this.levels.length)) throw new Error(`Synthesis "${this.path}": level ${level} is outside 1…${this.levels.length - 1}`);
    return this.scoped(() => {
      const { features, skip } = this.run(styles, noises, null, level);
      return { features: upsampleBilinear(features), skip: upsampleBilinear(skip) };
    });
  }

  /**
   * Levels [from, to) from the state entering `from` (the constant and no RGB when null) → the last
   * level's output features and RGB sum, at its side.
   */
  private run(styles: Value[], noises: Record<string, Value>, start: ({ level: number } & SynthesisState) | null, to: number): SynthesisState {
    const layers = this.styleLayers();
    if (styles.length !== layers.length) throw new Error(`Synthesis "${this.path}": ${styles.length} styles for ${layers.length} modulated layers`);
    const b = this.b;
    const B = styles[0].shape[0];
    const from = start?.level ?? 0;
    let x: Value = start ? start.features : b.op1('Expand', [this.const, b.ints([B, this.c.channels[0], 4, 4])]);
    let rgb: Value | null = start ? start.skip : null;
    let k = this.levels.slice(0, from).reduce((n, lvl) => n + (lvl.conv0 ? 3 : 2), 0);
    for (let l = from; l < to; l++) {
      const lvl = this.levels[l];
      const side = 4 << l;
      const noise = (i: number) => {
        const v = noises[`noise_${side}_${i}`];
        if (!v) throw new Error(`Synthesis "${this.path}": no noise input noise_${side}_${i}`);
        return v;
      };
      // The state entering a level is already at its side: the previous level's output is upsampled here.
      if (l > from) {
        x = upsampleBilinear(x);
        rgb = upsampleBilinear(rgb!);
      }
      if (lvl.conv0) x = lvl.conv0.forward(x, styles[k++], noise(0));
      x = lvl.conv1.forward(x, styles[k++], noise(1));
      const y = lvl.torgb.forward(x, styles[k++]);
      rgb = rgb ? b.op1('Add', [rgb, y]) : y;
    }
    return { features: x, skip: rgb! };
  }
}

/**
 * Where the synthesis stands entering a level, both at that level's side: the features its first
 * conv reads (the previous level's output, upsampled) and the toRGB skip sum of the levels below
 * (upsampled likewise), to which this level's and the later levels' RGB are added.
 */
export interface SynthesisState {
  features: Value;
  skip: Value;
}

export class Generator extends Module {
  mapping: Mapping;
  synthesis: Synthesis;
  constructor(parent: Parent, name: string, readonly c: GanConfig) {
    super(parent, name);
    this.mapping = new Mapping(this, 'mapping', c);
    this.synthesis = new Synthesis(this, 'synthesis', c);
  }

  /** w [B, wDim] → W+ [B, numWs, wDim] (the same w at every layer). */
  broadcast(w: Value): Value {
    const b = this.b;
    const [B, D] = w.shape;
    return b.op1('Expand', [b.op1('Reshape', [w, b.ints([B, 1, D])]), b.ints([B, numWs(this.c), D])]);
  }
}
