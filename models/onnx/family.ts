// An imported ONNX model as an optimizable model family: images on one side (the chosen output,
// in the range the model produces), the chosen input on the other. Inversion optimizes that input;
// tuning fits LoRA on chosen weights with the input held at a seeded draw (or a given value).
import { f32, type Tensor } from '../../ml/index.ts';
import type { OptimizableModel, OptimizeSettings } from '../family.ts';
import type { ImportedModel, PortInfo } from './imported-model.ts';
import type { LoraSpec } from './lora.ts';

export type ImageRange = '0..1' | '-1..1';

export interface OnnxFamilyOptions {
  input?: string;
  output?: string;
  /** The value range of image-like outputs (a tanh generator gives −1..1). */
  range: ImageRange;
  /** Weights LoRA adapts, by initializer name (default: every MatMul/Gemm/Conv weight). */
  weights?: readonly string[];
  /** The input value tuning holds fixed (default: a draw seeded by the run's seed). */
  inputValue?: Tensor;
  /** Where the model came from, saved with its adapters. */
  source: string;
}

export class OnnxFamily implements OptimizableModel {
  readonly input: PortInfo;
  readonly output: PortInfo;

  constructor(
    readonly model: ImportedModel,
    readonly opts: OnnxFamilyOptions,
  ) {
    this.input = model.input(opts.input);
    this.output = model.output(opts.output);
  }

  get name() {
    return this.model.name;
  }

  get space() {
    return `onnx:${this.input.name}`;
  }

  /** Images [n, 3, H, W] in [0, 1] as the output's values (its channels, its range), checked against its shape. */
  toOutput(images: Tensor): Tensor {
    return this.fit(images, this.output, 'output');
  }

  /** Images as the input's values (an encoder's or a classifier's). */
  toInput(images: Tensor): Tensor {
    return this.fit(images, this.input, 'input');
  }

  private fit(images: Tensor, port: PortInfo, what: string): Tensor {
    const [n, c, h, w] = images.shape;
    const want = port.shape;
    if (!port.image) throw new Error(`${what} "${port.name}" of "${this.name}" is [${want}], not an image [N, 1 or 3, H, W]; choose an image-like ${what}`);
    if (h !== want[2] || w !== want[3]) throw new Error(`the images are ${w}×${h} but "${this.name}" ${what === 'output' ? 'makes' : 'takes'} ${want[3]}×${want[2]}: put a Resize/Crop before this node`);
    if (n !== want[0]) throw new Error(`"${this.name}" works on batches of ${want[0]}; give it ${want[0]} image${want[0] === 1 ? '' : 's'} (got ${n})`);
    const src = images.data as Float32Array;
    const out = new Float32Array(n * want[1] * h * w);
    const plane = h * w;
    const signed = this.opts.range === '-1..1';
    for (let b = 0; b < n; b++)
      for (let k = 0; k < want[1]; k++)
        for (let p = 0; p < plane; p++) {
          // A one-channel port is matched against the images' luminance.
          const v = want[1] === c ? src[(b * c + k) * plane + p] : (src[b * c * plane + p] + src[(b * c + 1) * plane + p] + src[(b * c + 2) * plane + p]) / 3;
          out[(b * want[1] + k) * plane + p] = signed ? v * 2 - 1 : v;
        }
    return f32([n, want[1], h, w], out);
  }

  /** The output's values as images in [0, 1] (one channel repeated to three). */
  toImages(values: Tensor): Tensor {
    const [n, c, h, w] = values.shape;
    const src = values.data as Float32Array;
    const out = new Float32Array(n * 3 * h * w);
    const plane = h * w;
    const signed = this.opts.range === '-1..1';
    for (let b = 0; b < n; b++)
      for (let k = 0; k < 3; k++)
        for (let p = 0; p < plane; p++) {
          const v = src[(b * c + (c === 1 ? 0 : k)) * plane + p];
          out[(b * 3 + k) * plane + p] = Math.min(1, Math.max(0, signed ? (v + 1) / 2 : v));
        }
    return f32([n, 3, h, w], out);
  }

  /** The chosen output for a value of the chosen input (optionally through adapters). */
  async render(value: Tensor, lora?: LoraSpec): Promise<Tensor> {
    const out = await this.model.run({ [this.input.name]: value }, [this.output.name], lora);
    return out[this.output.name];
  }

  invert(images: Tensor, o: OptimizeSettings & { init?: Tensor; onPreview?: (step: number, images: Tensor) => void | Promise<void> }) {
    return this.model.invert({
      ...o,
      input: this.input.name,
      output: this.output.name,
      targets: this.toOutput(images),
      onPreview: o.onPreview && (async (k, v) => o.onPreview!(k, this.output.image ? this.toImages(await this.render(v)) : images)),
    });
  }

  async tune(images: Tensor, o: OptimizeSettings & { rank: number; alpha: number }) {
    const inputValue = this.opts.inputValue ?? this.model.sampleInput(this.input.name, o.seed);
    const r = await this.model.tune({ ...o, input: this.input.name, output: this.output.name, inputValue, targets: this.toOutput(images), weights: this.opts.weights });
    const meta = { family: 'onnx', model: this.opts.source, rank: String(o.rank), alpha: String(o.alpha), weights: Object.keys(r.lora.tensors).filter((k) => k.endsWith('.lora_A')).map((k) => k.slice(0, -7)).join(',') };
    return { ...r, tensors: r.lora.tensors, meta };
  }
}
