import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { i64, ortBackend, randn, Rng, toOnnxBytes } from '../../ml/index.ts';
import { clipArchitecture, clipWeightShapes, configFromArchitecture } from './architecture.ts';
import { buildImageEmbedGraph, buildTextEmbedGraph, buildTrainingGraph, IO } from './clip.ts';
import { clipConfig } from './config.ts';
import { ClipEmbedder } from './embed.ts';

const backend = ortBackend('onnxruntime-node', ort as never, { threads: 1 });
const config = clipConfig({ imageSize: 16, channels: [8, 16], blocks: [0, 1], groups: 4, embedDim: 8, vocabSize: 12, maxLength: 5, padId: 0, textDim: 8, textLayers: 1, textHeads: 2 });

describe('ClipEmbedder', () => {
  it('embeds more inputs than its batch, in chunks, exactly as one big batch does', async () => {
    const weights = buildTrainingGraph(config, 1, 4).params.initial();
    const n = 5;
    const images = randn([n, 3, 16, 16], new Rng(1));
    const ids = [
      [1, 4, 2, 0, 0],
      [1, 5, 6, 2, 0],
      [1, 7, 8, 9, 2],
      [1, 2, 0, 0, 0],
      [1, 11, 2, 0, 0],
    ];
    const e = await ClipEmbedder.create(config, weights, { backend, batch: 2 });
    const got = await e.embedImages(images.data as Float32Array, n);
    const gotText = await e.embedTexts(ids);
    await e.release();

    const img = buildImageEmbedGraph(config, n);
    const si = await backend.create(toOnnxBytes(img.graph));
    const want = await si.run({ ...Object.fromEntries(img.params.names().map((k) => [k, weights[k]])), [IO.image]: images });
    await si.release();
    const txt = buildTextEmbedGraph(config, n);
    const st = await backend.create(toOnnxBytes(txt.graph));
    const wantText = await st.run({ ...Object.fromEntries(txt.params.names().map((k) => [k, weights[k]])), [IO.ids]: i64([n, 5], ids.flat()) });
    await st.release();

    expect(got.embedding.rows).toBe(n);
    expect(got.features.dim).toBe(16);
    const close = (a: Float32Array, b: Float32Array) => a.forEach((v, i) => expect(v).toBeCloseTo(b[i], 5));
    close(got.embedding.data, want[IO.embedding].data as Float32Array);
    close(got.features.data, want[IO.features].data as Float32Array);
    close(gotText.data, wantText[IO.embedding].data as Float32Array);
  });
});

describe('architecture entry', () => {
  it('round-trips the config and lists every weight with its shape', () => {
    const arch = clipArchitecture(config);
    expect(configFromArchitecture(arch)).toEqual(config);
    const shapes = clipWeightShapes(arch);
    expect(shapes['logit_scale']).toEqual([]);
    expect(shapes['text.tok.weight']).toEqual([12, 8]);
    expect(shapes['image.stem.weight']).toEqual([8, 3, 3, 3]);
    expect(() => configFromArchitecture({ ...arch, kind: 'other' })).toThrow(/not small-clip-v1/);
  });
});
