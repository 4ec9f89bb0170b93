// The evaluator's graphs on small random data: the loss matches a plain-JS reference, its gradient
// matches finite differences, padding is really ignored, and a tiny model learns to pair 8 images
// with 8 captions.
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import {
  AdamW,
  checkGradients,
  describeFailures,
  f32,
  GraphBuilder,
  i64,
  ortBackend,
  randn,
  Rng,
  toOnnxBytes,
  Trainer,
  type Tensor,
} from '../../ml/index.ts';
import { buildImageEmbedGraph, buildTextEmbedGraph, buildTrainingGraph, clipLoss, IO, l2normalize, LOGIT_SCALE } from './clip.ts';
import { clipConfig } from './config.ts';

const backend = ortBackend('onnxruntime-node', ort as never, { threads: 1 });

const tiny = clipConfig({
  imageSize: 16,
  channels: [8, 16],
  blocks: [1, 1],
  groups: 4,
  embedDim: 16,
  vocabSize: 20,
  maxLength: 6,
  padId: 0,
  textDim: 16,
  textLayers: 1,
  textHeads: 2,
});

async function run(graph: ReturnType<typeof buildImageEmbedGraph>['graph'], feeds: Record<string, Tensor>) {
  const s = await backend.create(toOnnxBytes(graph));
  try {
    return await s.run(feeds);
  } finally {
    await s.release();
  }
}

/** Symmetric InfoNCE in float64, straight from the definition. */
function referenceLoss(img: Float32Array, txt: Float32Array, n: number, d: number, scale: number): number {
  const norm = (x: Float32Array, i: number) => Math.hypot(...x.subarray(i * d, (i + 1) * d));
  const l = (i: number, j: number) => {
    let s = 0;
    for (let k = 0; k < d; k++) s += img[i * d + k] * txt[j * d + k];
    return (scale * s) / (norm(img, i) * norm(txt, j));
  };
  let rows = 0;
  let cols = 0;
  for (let i = 0; i < n; i++) {
    let sr = 0;
    let sc = 0;
    for (let j = 0; j < n; j++) {
      sr += Math.exp(l(i, j));
      sc += Math.exp(l(j, i));
    }
    rows += Math.log(sr) - l(i, i);
    cols += Math.log(sc) - l(i, i);
  }
  return (rows + cols) / (2 * n);
}

function lossGraph(n: number, d: number) {
  const b = new GraphBuilder('loss');
  const img = b.input('img', 'float32', [n, d]);
  const txt = b.input('txt', 'float32', [n, d]);
  const s = b.input('s', 'float32', []);
  b.output(clipLoss(l2normalize(img), l2normalize(txt), s, 100), 'loss');
  return b.build();
}

describe('clipLoss', () => {
  it('matches the definition, including at a scale above the cap', async () => {
    const rng = new Rng(3);
    const [n, d] = [5, 7];
    const img = randn([n, d], rng);
    const txt = randn([n, d], rng);
    for (const scale of [1, 14.3, 100, 400]) {
      const out = await run(lossGraph(n, d), { img, txt, s: f32([], [Math.log(scale)]) });
      const want = referenceLoss(img.data as Float32Array, txt.data as Float32Array, n, d, Math.min(scale, 100));
      expect((out.loss.data as Float32Array)[0]).toBeCloseTo(want, 3);
    }
  });

  it('is log(n) when every image is equally similar to every caption', async () => {
    const n = 6;
    const same = f32([n, 4], new Float32Array(n * 4).fill(1));
    const out = await run(lossGraph(n, 4), { img: same, txt: same, s: f32([], [Math.log(20)]) });
    expect((out.loss.data as Float32Array)[0]).toBeCloseTo(Math.log(n), 4);
  });

  it('has gradients that match finite differences', async () => {
    const rng = new Rng(5);
    const feeds = { img: randn([4, 6], rng), txt: randn([4, 6], rng), s: f32([], [Math.log(5)]) };
    const r = await checkGradients(lossGraph(4, 6), { wrt: ['img', 'txt', 's'], feeds, backend, directions: 3 });
    expect(r).toHaveLength(9);
    expect(describeFailures(r)).toBe('');
  });
});

describe('towers', () => {
  it('embed to unit vectors of the configured size, with the same weight names as training', () => {
    const train = buildTrainingGraph(tiny, 4);
    const image = buildImageEmbedGraph(tiny, 3);
    const text = buildTextEmbedGraph(tiny, 2);
    expect(train.params.names()).toEqual([...image.params.names(), ...text.params.names(), LOGIT_SCALE]);
    expect(image.graph.values.get(IO.embedding)!.shape).toEqual([3, tiny.embedDim]);
    expect(image.graph.values.get(IO.features)!.shape).toEqual([3, 16]);
    expect(text.graph.values.get(IO.embedding)!.shape).toEqual([2, tiny.embedDim]);
  });

  it('text embeddings ignore what sits at padded positions', async () => {
    const { graph, params } = buildTextEmbedGraph(tiny, 2);
    const w = params.initial();
    const ids = i64([2, 6], [1, 5, 7, 2, 0, 0, 1, 9, 2, 0, 0, 0]);
    const a = await run(graph, { ...w, [IO.ids]: ids });
    // Scribble over the position embeddings of slots 4 and 5, which both rows leave padded.
    const pos = w['text.pos'].data as Float32Array;
    for (let i = 4 * tiny.textDim; i < pos.length; i++) pos[i] = 100 * Math.sin(i);
    const b = await run(graph, { ...w, [IO.ids]: ids });
    const ea = a[IO.embedding].data as Float32Array;
    const eb = b[IO.embedding].data as Float32Array;
    for (let i = 0; i < ea.length; i++) expect(eb[i]).toBeCloseTo(ea[i], 5);
    // Unit norm per row.
    for (let r = 0; r < 2; r++) expect(Math.hypot(...ea.subarray(r * 16, r * 16 + 16))).toBeCloseTo(1, 5);
  });
});

describe('contrastive training', () => {
  it('learns to pair 8 images with 8 captions', async () => {
    const n = 8;
    const rng = new Rng(11);
    const images = randn([n, 3, 16, 16], rng);
    // Caption k: <bos>=1, two words unique to k, <eos>=2, padding.
    const ids = i64([n, 6], Array.from({ length: n }, (_, k) => [1, 3 + k, 11 + (k % 8), 2, 0, 0]).flat());
    const { graph, params } = buildTrainingGraph(tiny, n, 1);
    const tr = await Trainer.create({ graph, loss: IO.loss, trainable: params.names(), params: params.initial(), optimizer: new AdamW({ lr: 3e-3 }), backend });
    try {
      const first = await tr.step({ [IO.image]: images, [IO.ids]: ids });
      let last = first;
      for (let s = 0; s < 60; s++) last = await tr.step({ [IO.image]: images, [IO.ids]: ids });
      expect(last).toBeLessThan(0.2 * first);
      const img = await run(buildImageEmbedGraph(tiny, n).graph, { ...pick(tr.params, 'image.'), [IO.image]: images });
      const txt = await run(buildTextEmbedGraph(tiny, n).graph, { ...pick(tr.params, 'text.'), [IO.ids]: ids });
      const e = img[IO.embedding].data as Float32Array;
      const t = txt[IO.embedding].data as Float32Array;
      const d = tiny.embedDim;
      for (let i = 0; i < n; i++) {
        const sims = Array.from({ length: n }, (_, j) => e.subarray(i * d, i * d + d).reduce((s, v, k) => s + v * t[j * d + k], 0));
        expect(sims.indexOf(Math.max(...sims))).toBe(i);
      }
    } finally {
      await tr.release();
    }
  });
});

function pick(params: Record<string, Tensor>, prefix: string): Record<string, Tensor> {
  return Object.fromEntries(Object.entries(params).filter(([k]) => k.startsWith(prefix)));
}
