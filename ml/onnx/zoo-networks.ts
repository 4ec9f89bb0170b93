// Small classic networks written the way old exporters wrote them (opsets 7–9: Upsample,
// attribute axes and pads, BatchNormalization with `spatial`, LRN, Dropout with a mask, flattening
// Softmax), for the importer's tests and the engine benchmark.
import { randn, Rng, uniform } from '../random.ts';
import type { Tensor } from '../tensor.ts';
import { attr, modelBytes, nodeMsg, valueMsg } from './test-models.ts';

type NodeMsg = ReturnType<typeof nodeMsg>;

class Writer {
  readonly nodes: NodeMsg[] = [];
  readonly inits: [string, Tensor][] = [];
  private n = 0;
  constructor(
    readonly rng: Rng,
    readonly opset: number,
  ) {}

  node(op: string, inputs: string[], attrs: ReturnType<typeof attr.int>[] = [], outputs = 1): string[] {
    const name = `${op.toLowerCase()}${this.n++}`;
    const outs = Array.from({ length: outputs }, (_, i) => (i ? `${name}_out${i}` : name));
    this.nodes.push(nodeMsg(op, inputs, outs, attrs, name));
    return outs;
  }

  one(op: string, inputs: string[], attrs: ReturnType<typeof attr.int>[] = []): string {
    return this.node(op, inputs, attrs)[0];
  }

  weight(name: string, t: Tensor): string {
    this.inits.push([name, t]);
    return name;
  }

  conv(x: string, name: string, cin: number, cout: number, k: number, stride = 1): string {
    const w = this.weight(`${name}.weight`, scaled(randn([cout, cin, k, k], this.rng), Math.sqrt(2 / (cin * k * k))));
    const b = this.weight(`${name}.bias`, scaled(randn([cout], this.rng), 0.1));
    const p = Math.floor(k / 2);
    return this.one('Conv', [x, w, b], [attr.ints('kernel_shape', [k, k]), attr.ints('pads', [p, p, p, p]), attr.ints('strides', [stride, stride])]);
  }

  /** BatchNormalization in inference form, with the `spatial` attribute opset 7 wrote. */
  bn(x: string, name: string, c: number): string {
    const ins = [
      this.weight(`${name}.weight`, uniform([c], this.rng, 0.5, 1.5)),
      this.weight(`${name}.bias`, scaled(randn([c], this.rng), 0.1)),
      this.weight(`${name}.running_mean`, scaled(randn([c], this.rng), 0.1)),
      this.weight(`${name}.running_var`, uniform([c], this.rng, 0.5, 1.5)),
    ];
    return this.one('BatchNormalization', [x, ...ins], [attr.float('epsilon', 1e-5), ...(this.opset < 9 ? [attr.int('spatial', 1)] : [])]);
  }

  gemm(x: string, name: string, inF: number, outF: number): string {
    const w = this.weight(`${name}.weight`, scaled(randn([outF, inF], this.rng), Math.sqrt(1 / inF)));
    const b = this.weight(`${name}.bias`, scaled(randn([outF], this.rng), 0.1));
    return this.one('Gemm', [x, w, b], [attr.int('transB', 1)]);
  }

  bytes(input: string, shape: number[], output: string, outShape: number[]): Uint8Array {
    this.nodes.push(nodeMsg('Identity', [output], ['logits'], [], 'output'));
    return modelBytes({
      opset: this.opset,
      nodes: this.nodes,
      inputs: [valueMsg(input, 'float32', shape)],
      outputs: [valueMsg('logits', 'float32', outShape)],
      initializers: this.inits,
    });
  }
}

function scaled(t: Tensor, s: number): Tensor {
  const d = t.data as Float32Array;
  for (let i = 0; i < d.length; i++) d[i] *= s;
  return t;
}

export interface ZooNetwork {
  name: string;
  bytes: Uint8Array;
  input: { name: string; shape: number[] };
  /** Initializer names of its convolution and linear weights (trainable candidates). */
  weights: string[];
}

/** VGG-like (AlexNet's LRN after the first block) at opset 7: Conv-ReLU-LRN-MaxPool, Conv-BN-ReLU-MaxPool, Flatten, Gemm-Dropout-Gemm, Softmax. */
export function vggLike(opts: { size?: number; width?: number; opset?: number; seed?: number } = {}): ZooNetwork {
  const { size = 16, width = 8, opset = 7, seed = 7 } = opts;
  const w = new Writer(new Rng(seed), opset);
  let x = w.conv('input', 'features.0', 3, width, 3);
  x = w.one('Relu', [x]);
  x = w.one('LRN', [x], [attr.int('size', 5), attr.float('alpha', 1e-3), attr.float('beta', 0.75), attr.float('bias', 2)]);
  x = w.one('MaxPool', [x], [attr.ints('kernel_shape', [2, 2]), attr.ints('strides', [2, 2])]);
  x = w.conv(x, 'features.4', width, 2 * width, 3);
  x = w.bn(x, 'features.5', 2 * width);
  x = w.one('Relu', [x]);
  x = w.one('MaxPool', [x], [attr.ints('kernel_shape', [2, 2]), attr.ints('strides', [2, 2])]);
  const flat = 2 * width * (size / 4) * (size / 4);
  x = w.one('Flatten', [x], [attr.int('axis', 1)]);
  x = w.gemm(x, 'classifier.0', flat, 32);
  x = w.one('Relu', [x]);
  x = w.node('Dropout', [x], [attr.float('ratio', 0.5)], 2)[0];
  x = w.gemm(x, 'classifier.3', 32, 10);
  x = w.one('Softmax', [x], [attr.int('axis', 1)]);
  return {
    name: `vgg-like opset ${opset}`,
    bytes: w.bytes('input', [1, 3, size, size], x, [1, 10]),
    input: { name: 'input', shape: [1, 3, size, size] },
    weights: ['features.0.weight', 'features.4.weight', 'classifier.0.weight', 'classifier.3.weight'],
  };
}

/**
 * ResNet-like at opset 9: a stem with edge Pad and MaxPool, two basic blocks (one with a
 * strided projection shortcut), the last map upsampled and added to a skip (as FPN heads do),
 * GlobalAveragePool, Flatten, Gemm.
 */
export function resnetLike(opts: { size?: number; width?: number; opset?: number; seed?: number } = {}): ZooNetwork {
  const { size = 16, width = 8, opset = 9, seed = 9 } = opts;
  const w = new Writer(new Rng(seed), opset);
  let x = w.conv('input', 'conv1', 3, width, 3);
  x = w.one('Relu', [w.bn(x, 'bn1', width)]);
  if (opset < 11) x = w.one('Pad', [x], [attr.ints('pads', [0, 0, 1, 1, 0, 0, 1, 1]), attr.string('mode', 'edge')]);
  else {
    const pads = w.weight('stem.pads', { dtype: 'int64', shape: [8], data: BigInt64Array.from([0n, 0n, 1n, 1n, 0n, 0n, 1n, 1n]) });
    x = w.one('Pad', [x, pads], [attr.string('mode', 'edge')]);
  }
  x = w.one('MaxPool', [x], [attr.ints('kernel_shape', [3, 3]), attr.ints('strides', [1, 1])]);
  const block = (input: string, name: string, cin: number, cout: number, stride: number) => {
    let h = w.one('Relu', [w.bn(w.conv(input, `${name}.conv1`, cin, cout, 3, stride), `${name}.bn1`, cout)]);
    h = w.bn(w.conv(h, `${name}.conv2`, cout, cout, 3), `${name}.bn2`, cout);
    const skip = stride === 1 && cin === cout ? input : w.bn(w.conv(input, `${name}.downsample`, cin, cout, 1, stride), `${name}.downsample_bn`, cout);
    return w.one('Relu', [w.one('Add', [h, skip])]);
  };
  const b1 = block(x, 'layer1.0', width, width, 1);
  const b2 = block(b1, 'layer2.0', width, 2 * width, 2);
  const lateral = w.conv(b1, 'lateral', width, 2 * width, 1);
  // Upsample until opset 9, Resize with Upsample's geometry after.
  const scales = () => w.weight('up.scales', { dtype: 'float32', shape: [4], data: Float32Array.from([1, 1, 2, 2]) });
  const nearest = attr.string('mode', 'nearest');
  const up =
    opset < 9
      ? w.one('Upsample', [b2], [nearest, attr.floats('scales', [1, 1, 2, 2])])
      : opset < 10
        ? w.one('Upsample', [b2, scales()], [nearest])
        : opset < 11
          ? w.one('Resize', [b2, scales()], [nearest])
          : w.one('Resize', [b2, w.weight('up.roi', { dtype: 'float32', shape: [0], data: new Float32Array(0) }), scales()], [
              nearest,
              attr.string('coordinate_transformation_mode', 'asymmetric'),
              attr.string('nearest_mode', 'floor'),
            ]);
  x = w.one('Add', [up, lateral]);
  x = w.one('GlobalAveragePool', [x]);
  x = w.one('Flatten', [x], [attr.int('axis', 1)]);
  x = w.gemm(x, 'fc', 2 * width, 10);
  return {
    name: `resnet-like opset ${opset}`,
    bytes: w.bytes('input', [1, 3, size, size], x, [1, 10]),
    input: { name: 'input', shape: [1, 3, size, size] },
    weights: ['conv1.weight', 'layer1.0.conv1.weight', 'layer2.0.conv2.weight', 'fc.weight'],
  };
}
