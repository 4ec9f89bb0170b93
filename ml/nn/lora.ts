// LoRA (Hu et al. 2021): y = W x + (alpha/r)·B(A x), with A small random and B zero, so an adapted
// model starts out computing exactly what the base model computes. A and B are graph inputs tagged
// 'lora'; the base weights stay inputs too but are simply left out of the trained names.
// Names follow PEFT's adapter files: '<layer>.lora_A.weight' and '<layer>.lora_B.weight'.
import type { Value } from '../builder.ts';
import type { Tensor } from '../tensor.ts';
import { conv2d, Conv2d, type ConvGeometry } from './conv.ts';
import { kaimingUniform, zeros } from './init.ts';
import { linear, Linear } from './linear.ts';
import { type Adapter, Module } from './module.ts';
import type { Params } from './params.ts';

export const LORA_TAG = 'lora';

export interface LoraOptions {
  rank: number;
  /** Scale numerator: the branch is multiplied by alpha/rank (default alpha = rank, i.e. 1). */
  alpha?: number;
}

abstract class LoraBase extends Module implements Adapter {
  readonly rank: number;
  readonly alpha: number;
  readonly scale: number;
  readonly lora_A: Value;
  readonly lora_B: Value;

  constructor(layer: Linear | Conv2d, opts: LoraOptions, aShape: number[], aFanIn: number, bShape: number[]) {
    // An empty name keeps the layer's own path: its adapter weights sit beside its weight.
    super(layer, '');
    if (layer.adapter) throw new Error(`layer "${layer.path}" already has an adapter`);
    if (!Number.isInteger(opts.rank) || opts.rank < 1) throw new Error(`LoRA rank must be a positive integer, got ${opts.rank}`);
    this.rank = opts.rank;
    this.alpha = opts.alpha ?? opts.rank;
    this.scale = this.alpha / this.rank;
    // A as PEFT initializes it (the layer default, kaiming-uniform), B zero.
    this.lora_A = this.param('lora_A.weight', kaimingUniform(aShape, aFanIn, this.p.rng), [LORA_TAG]);
    this.lora_B = this.param('lora_B.weight', zeros(bShape), [LORA_TAG]);
    layer.adapter = this;
  }

  abstract delta(x: Value): Value;

  /** scale·t, applied on the rank-r intermediate where it costs least. */
  protected scaled(t: Value): Value {
    return this.scale === 1 ? t : this.b.op1('Mul', [t, this.b.scalar(this.scale, t.dtype)]);
  }
}

/** LoRA for a Linear: A [r, in], B [out, r]. Attaching it makes the layer's forward add the branch. */
export class LoRALinear extends LoraBase {
  constructor(readonly layer: Linear, opts: LoraOptions) {
    super(layer, opts, [opts.rank, layer.inFeatures], layer.inFeatures, [layer.outFeatures, opts.rank]);
  }

  delta(x: Value): Value {
    return this.b.scope('lora', () => linear(this.scaled(linear(x, this.lora_A, null)), this.lora_B, null));
  }
}

/**
 * LoRA for a Conv2d: A is a conv to r channels with the layer's kernel, stride, padding and
 * dilation (so its output lines up with the layer's), B a 1×1 conv back to the output channels.
 */
export class LoRAConv2d extends LoraBase {
  constructor(readonly layer: Conv2d, opts: LoraOptions) {
    if (layer.groups !== 1) throw new Error(`LoRA on grouped conv "${layer.path}" (groups=${layer.groups}) is not supported`);
    const [kh, kw] = layer.geometry.kernel;
    super(layer, opts, [opts.rank, layer.inChannels, kh, kw], layer.inChannels * kh * kw, [layer.outChannels, opts.rank, 1, 1]);
  }

  delta(x: Value): Value {
    const g = this.layer.geometry;
    return this.b.scope('lora', () => conv2d(this.scaled(conv2d(x, this.lora_A, null, g)), this.lora_B, null, POINTWISE));
  }
}

const POINTWISE: ConvGeometry = { kernel: [1, 1], stride: [1, 1], padding: [0, 0], dilation: [1, 1] };

/** Attaches LoRA to one Linear or Conv2d. */
export function addLora(layer: Linear | Conv2d, opts: LoraOptions): LoRALinear | LoRAConv2d {
  return layer instanceof Linear ? new LoRALinear(layer, opts) : new LoRAConv2d(layer, opts);
}

export interface InjectOptions extends LoraOptions {
  /** Which layers (by dotted path) get an adapter; default: every Linear and ungrouped Conv2d. */
  match?: RegExp | ((path: string, layer: Linear | Conv2d) => boolean);
}

/**
 * Adds LoRA to every matching Linear/Conv2d under a module, as PEFT's inject_adapter does. Call it
 * after constructing the model and before its forward. Returns the adapted layers' paths.
 */
export function injectLora(root: Module, opts: InjectOptions): string[] {
  const { match } = opts;
  const wanted = (l: Linear | Conv2d) =>
    !match ? !(l instanceof Conv2d && l.groups !== 1) : match instanceof RegExp ? match.test(l.path) : match(l.path, l);
  const done: string[] = [];
  const seen = new Set<Module>();
  const visit = (m: Module) => {
    if (seen.has(m)) return;
    seen.add(m);
    if ((m instanceof Linear || m instanceof Conv2d) && !m.adapter && wanted(m)) {
      addLora(m, opts);
      done.push(m.path);
    }
    for (const [, c] of m.children()) if (!(c instanceof LoraBase)) visit(c);
  };
  visit(root);
  if (!done.length) throw new Error(`injectLora: no layer under "${root.path || '(root)'}" matched`);
  return done;
}

/** Names of the LoRA weights (the `wrt` of a LoRA fine-tune). */
export function loraNames(p: Params): string[] {
  return p.names({ tag: LORA_TAG });
}

/** Names of every weight that is not a LoRA weight (the ones a LoRA fine-tune must leave untouched). */
export function baseNames(p: Params): string[] {
  return p.names({ without: LORA_TAG });
}

/** The adapters attached under a module, in tree order. */
export function loraAdapters(root: Module): (LoRALinear | LoRAConv2d)[] {
  const out: (LoRALinear | LoRAConv2d)[] = [];
  const seen = new Set<Module>();
  const visit = (m: Module) => {
    if (seen.has(m)) return;
    seen.add(m);
    if ((m instanceof Linear || m instanceof Conv2d) && (m.adapter instanceof LoRALinear || m.adapter instanceof LoRAConv2d))
      out.push(m.adapter);
    for (const [, c] of m.children()) if (!(c instanceof LoraBase)) visit(c);
  };
  visit(root);
  return out;
}

/**
 * Folds every adapter under `root` into its layer's weight: W' = W + (alpha/r)·B·A (for a conv,
 * B's 1×1 kernel mixes A's r output channels). Returns the weights of the plain model — the same
 * names without the lora_A/lora_B entries — whose outputs equal the adapted model's.
 */
export function mergeLora(root: Module, values: Record<string, Tensor>): Record<string, Tensor> {
  const out: Record<string, Tensor> = { ...values };
  for (const ad of loraAdapters(root)) {
    const wName = ad.layer.weight.name;
    const [A, B, W] = [values[ad.lora_A.name], values[ad.lora_B.name], values[wName]];
    if (!A || !B || !W) throw new Error(`mergeLora: no values for the weights of "${ad.path}"`);
    const [a, bw, w] = [A.data as Float32Array, B.data as Float32Array, W.data as Float32Array];
    const outs = W.shape[0];
    const inner = w.length / outs; // in·kh·kw for a conv, in for a linear: A is [r, inner] either way
    const merged = w.slice();
    for (let o = 0; o < outs; o++)
      for (let r = 0; r < ad.rank; r++) {
        const s = ad.scale * bw[o * ad.rank + r];
        if (s === 0) continue;
        for (let i = 0; i < inner; i++) merged[o * inner + i] += s * a[r * inner + i];
      }
    out[wName] = { dtype: W.dtype, shape: [...W.shape], data: merged };
    delete out[ad.lora_A.name];
    delete out[ad.lora_B.name];
  }
  return out;
}
