// A small DCGAN-style generator written by the engine's own writer at opset 9 (Gemm, Reshape,
// BatchNormalization, ConvTranspose, Relu, Tanh in their opset-9 forms): the imported model the
// example graph inverts through, and the tests' old-opset generator. Seeded, so rewriting it gives
// the same bytes.
import { GraphBuilder, randn, Rng, type Tensor, toOnnxBytes, uniform } from '../../ml/index.ts';

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

export function tinyGenerator(opts: TinyGeneratorOptions = {}): Uint8Array {
  const { latent = 32, size = 16, seed = 2024 } = opts;
  const rng = new Rng(seed);
  const b = new GraphBuilder('tiny-generator', 9);
  const z = b.input('z', 'float32', [1, latent]);
  const stages = Math.log2(size / 4);
  let ch = 8 * 2 ** stages;
  const fc = b.constant(scaled(randn([latent, ch * 16], rng), 1 / Math.sqrt(latent)), 'fc.weight');
  let x = b.op1('Gemm', [z, fc, b.constant(scaled(randn([ch * 16], rng), 0.1), 'fc.bias')], {}, { name: 'fc' });
  x = b.op1('Reshape', [x, b.constant({ dtype: 'int64', shape: [4], data: BigInt64Array.from([1n, BigInt(ch), 4n, 4n]) }, 'fc.shape')]);
  for (let s = 0; s < stages; s++) {
    const bn = (name: string, c: number) => [
      b.constant(uniform([c], rng, 0.8, 1.2), `${name}.weight`),
      b.constant(scaled(randn([c], rng), 0.05), `${name}.bias`),
      b.constant(scaled(randn([c], rng), 0.05), `${name}.running_mean`),
      b.constant(uniform([c], rng, 0.8, 1.2), `${name}.running_var`),
    ];
    x = b.op1('Relu', [b.op1('BatchNormalization', [x, ...bn(`bn${s}`, ch)], { epsilon: 1e-5 }, { name: `bn${s}` })]);
    const out = s === stages - 1 ? 3 : ch / 2;
    const w = b.constant(scaled(randn([ch, out, 4, 4], rng), 1 / Math.sqrt(ch * 4)), `up${s}.weight`);
    x = b.op1('ConvTranspose', [x, w, b.constant(scaled(randn([out], rng), 0.05), `up${s}.bias`)], { kernel_shape: [4, 4], strides: [2, 2], pads: [1, 1, 1, 1] }, { name: `up${s}` });
    ch = out;
  }
  b.output(b.op1('Tanh', [x]), 'image');
  return toOnnxBytes(b.build());
}
