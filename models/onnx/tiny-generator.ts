// A small DCGAN-style generator written by the engine's own writer at opset 9 (Gemm, Reshape,
// BatchNormalization, ConvTranspose, Relu, Tanh in their opset-9 forms): the imported model the
// example graph inverts through, and the tests' old-opset generator. `tinyGeneratorGraph` builds it
// with its weights as constants (to ship) or as inputs (to train: scripts/train-onnx-generator.ts).
import { type Graph, GraphBuilder, randn, Rng, type Tensor, toOnnxBytes, uniform } from '../../ml/index.ts';

export interface TinyGeneratorOptions {
  latent?: number;
  /** Output side: 4·2^k for k upsampling stages. */
  size?: number;
  seed?: number;
}

const scaled = (t: Tensor, s: number): Tensor => {
  const d = t.data as Float32Array;
  for (let i = 0; i < d.length; i++) d[i] *= s;
  return t;
};

const stagesOf = (size: number) => Math.log2(size / 4);

/** Seeded starting weights, by name (BatchNormalization statistics included). */
export function tinyGeneratorWeights(opts: TinyGeneratorOptions = {}): Record<string, Tensor> {
  const { latent = 32, size = 16, seed = 2024 } = opts;
  const rng = new Rng(seed);
  const w: Record<string, Tensor> = {};
  let ch = 8 * 2 ** stagesOf(size);
  w['fc.weight'] = scaled(randn([latent, ch * 16], rng), 1 / Math.sqrt(latent));
  w['fc.bias'] = scaled(randn([ch * 16], rng), 0.1);
  for (let s = 0; s < stagesOf(size); s++) {
    w[`bn${s}.weight`] = uniform([ch], rng, 0.8, 1.2);
    w[`bn${s}.bias`] = scaled(randn([ch], rng), 0.05);
    w[`bn${s}.running_mean`] = scaled(randn([ch], rng), 0.05);
    w[`bn${s}.running_var`] = uniform([ch], rng, 0.8, 1.2);
    const out = s === stagesOf(size) - 1 ? 3 : ch / 2;
    w[`up${s}.weight`] = scaled(randn([ch, out, 4, 4], rng), 1 / Math.sqrt(ch * 4));
    w[`up${s}.bias`] = scaled(randn([out], rng), 0.05);
    ch = out;
  }
  return w;
}

/** z [batch, latent] → image [batch, 3, size, size] in [−1, 1]; weights as constants, or as inputs when `asInputs`. */
export function tinyGeneratorGraph(weights: Record<string, Tensor>, o: { batch?: number; asInputs?: boolean } = {}): Graph {
  const b = new GraphBuilder('tiny-generator', 9);
  const [latent, fcOut] = weights['fc.weight'].shape;
  const w = (name: string) => (o.asInputs ? b.input(name, 'float32', weights[name].shape) : b.constant(weights[name], name));
  const z = b.input('z', 'float32', [o.batch ?? 1, latent]);
  let ch = fcOut / 16;
  let x = b.op1('Gemm', [z, w('fc.weight'), w('fc.bias')], {}, { name: 'fc' });
  x = b.op1('Reshape', [x, b.constant({ dtype: 'int64', shape: [4], data: BigInt64Array.from([BigInt(o.batch ?? 1), BigInt(ch), 4n, 4n]) }, 'fc.shape')]);
  for (let s = 0; weights[`up${s}.weight`]; s++) {
    const bn = [`bn${s}.weight`, `bn${s}.bias`, `bn${s}.running_mean`, `bn${s}.running_var`].map(w);
    x = b.op1('Relu', [b.op1('BatchNormalization', [x, ...bn], { epsilon: 1e-5 }, { name: `bn${s}` })]);
    x = b.op1('ConvTranspose', [x, w(`up${s}.weight`), w(`up${s}.bias`)], { kernel_shape: [4, 4], strides: [2, 2], pads: [1, 1, 1, 1] }, { name: `up${s}` });
    ch = weights[`up${s}.weight`].shape[1];
  }
  void ch;
  b.output(b.op1('Tanh', [x]), 'image');
  return b.build();
}

/** The generator as an opset-9 ONNX file (seeded random weights unless trained ones are given). */
export function tinyGenerator(opts: TinyGeneratorOptions = {}, weights = tinyGeneratorWeights(opts)): Uint8Array {
  return toOnnxBytes(tinyGeneratorGraph(weights));
}
