// The GAN encoder on a tiny generator and evaluator: training lowers the reconstruction error,
// a second ReStyle pass refines the first, and encoding checks its images and keeps the mean
// code while untrained (its last layers start at zero).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { f32, freezeWeights, GraphBuilder, Params, Rng, randn, type Tensor, toOnnxBytes } from '../../ml/index.ts';
import { nodeBackend } from '../../ml/session/node.ts';
import { psnrPerImage } from '../eval/image-metrics.ts';
import { buildTrainingGraph, clipConfig } from '../evaluator/index.ts';
import { ganConfigSchema, numWs } from './config.ts';
import { encodeImages, GanEncodeError } from './encode.ts';
import { checkEncoderFits, ENCODER_PREFIX, encoderConfigFor, encoderWeightShapes, ganEncoderArchitecture, GanEncoder, syntheticTargetsGraph, wGroups } from './encoder.ts';
import { EncoderTrainer } from './encoder-train-step.ts';
import { generatorGraph, W_AVG } from './graphs.ts';
import { DEFAULT_RECONSTRUCTION } from './perceptual.ts';

const gan = ganConfigSchema.parse({ resolution: 16, zDim: 8, wDim: 8, mappingLayers: 2, classes: 3, channels: [8, 6, 4], dChannels: [4, 6, 8], mbstdGroup: 2 });
const evaluator = clipConfig({ imageSize: 16, channels: [4, 8], blocks: [0, 1], groups: 2, embedDim: 8, vocabSize: 10, maxLength: 4, padId: 0, textDim: 8, textLayers: 1, textHeads: 2 });
const enc = encoderConfigFor(gan, { channels: [8, 8, 8], groups: 4, squeeze: [4, 4, 2], hidden: 16 });
const evaluatorWeights = buildTrainingGraph(evaluator, 1, 5).params.initial();
const B = 4;

/** The tiny generator with w_avg at the mean of its mapped w (as GAN training tracks it). */
async function tinyGenerator(): Promise<Record<string, Tensor>> {
  const weights = { ...generatorGraph(gan, 1, { space: 'w+' }).p.initial(), [W_AVG]: f32([gan.wDim]) };
  const n = 64;
  const s = await nodeBackend.create(toOnnxBytes(freezeWeights(syntheticTargetsGraph(gan, n, null).graph, weights)));
  try {
    const rng = new Rng(9);
    const cls = f32([n, gan.classes]);
    for (let k = 0; k < n; k++) (cls.data as Float32Array)[k * gan.classes + (k % gan.classes)] = 1;
    const ws = (await s.run({ z: randn([n, gan.zDim], rng), class: cls }, ['ws'])).ws.data as Float32Array;
    const avg = weights[W_AVG].data as Float32Array;
    const per = numWs(gan) * gan.wDim;
    for (let k = 0; k < n; k++) for (let j = 0; j < gan.wDim; j++) avg[j] += ws[k * per + j] / n;
  } finally {
    await s.release();
  }
  return weights;
}

/** Images the generator makes (fixed noise) with their evaluator embeddings: reachable targets. */
async function targets(weights: Record<string, Tensor>, seed: number): Promise<{ image: Tensor; embedding: Tensor }> {
  const s = await nodeBackend.create(toOnnxBytes(freezeWeights(syntheticTargetsGraph(gan, B, evaluator).graph, { ...weights, ...evaluatorWeights })));
  try {
    const cls = f32([B, gan.classes]);
    for (let k = 0; k < B; k++) (cls.data as Float32Array)[k * gan.classes + (k % gan.classes)] = 1;
    const out = await s.run({ z: randn([B, gan.zDim], new Rng(seed)), class: cls }, ['image', 'embedding']);
    return { image: out.image, embedding: out.embedding };
  } finally {
    await s.release();
  }
}

/** Mean PSNR of the first n images (default all). */
const meanPsnr = (a: Tensor, b: Tensor, n = a.shape[0]) => {
  const per = a.data.length / a.shape[0];
  return psnrPerImage((a.data as Float32Array).subarray(0, n * per), (b.data as Float32Array).subarray(0, n * per), n).reduce((s, v) => s + v, 0) / n;
};

describe('W+ groups', () => {
  it("follow pSp's coarse / medium / fine split by layer resolution", () => {
    expect(wGroups(10)).toEqual([[0, 1, 2], [3, 4, 5, 6], [7, 8, 9]]); // 64 px
    expect(wGroups(6)).toEqual([[0, 1, 2], [3, 4, 5], []]); // 16 px: nothing above 32 px
  });
});

describe('GAN encoder training (tiny generator)', () => {
  let trainer: EncoderTrainer;
  let target: Tensor;
  const losses: number[] = [];
  let before: { start: number; one: number };

  beforeAll(async () => {
    const generatorWeights = await tinyGenerator();
    const t = await targets(generatorWeights, 3);
    target = t.image;
    // One generated image per batch with its code, three fixed "real" ones (the fit's targets).
    trainer = await EncoderTrainer.create({
      encoderConfig: enc,
      ganConfig: gan,
      generatorWeights,
      evaluatorConfig: evaluator,
      evaluatorWeights,
      hyper: { batch: B, synthetic: 1, passes: 2, lr: 3e-3, loss: { reconstruction: DEFAULT_RECONSTRUCTION, latent: 1, deltaReg: 0.01 } },
      backend: nodeBackend,
      threads: 1,
    });
    const real = f32([B - 1, 3, 16, 16], (target.data as Float32Array).subarray(0, (B - 1) * 3 * 256));
    const realEmb = f32([B - 1, evaluator.embedDim], (t.embedding.data as Float32Array).subarray(0, (B - 1) * evaluator.embedDim));
    const s0 = await trainer.run(target, 1);
    before = { start: meanPsnr(trainer.start().image, target), one: meanPsnr(s0[0].image, target) };
    const rng = new Rng(4);
    for (let k = 0; k < 80; k++) losses.push((await trainer.step(real, realEmb, rng)).reconstruction);
  }, 60_000);
  afterAll(() => trainer?.release());

  it('an untrained encoder keeps the mean code; a few steps lower the loss', () => {
    // Zero-initialized output layers: pass 1 of an untrained encoder is exactly G(w_avg).
    expect(before.one).toBeCloseTo(before.start, 5);
    const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
    expect(mean(losses.slice(-10))).toBeLessThan(0.8 * mean(losses.slice(0, 10)));
  });

  it('a second pass refines the first on the training images', async () => {
    // The three images trained on as real ones (the fourth place held generated images).
    const [one, two] = await trainer.run(target, 2);
    const [p0, p1, p2] = [meanPsnr(trainer.start().image, target, B - 1), meanPsnr(one.image, target, B - 1), meanPsnr(two.image, target, B - 1)];
    expect(p1).toBeGreaterThan(p0);
    expect(p2).toBeGreaterThanOrEqual(p1);
  });
});

describe('encodeImages', () => {
  it('returns W+ and one reconstruction per pass; an untrained encoder returns the mean code', async () => {
    const generatorWeights = await tinyGenerator();
    const p = buildEncoderWeights();
    const images = f32([3, 3, 16, 16], Float32Array.from({ length: 3 * 768 }, (_, i) => (i % 17) / 16));
    const r = await encodeImages({ encoderConfig: enc, encoderWeights: p, ganConfig: gan, generatorWeights, backend: nodeBackend, threads: 1 }, images, { passes: 2, batch: 2 });
    expect(r.ws.shape).toEqual([3, numWs(gan), gan.wDim]);
    expect(r.reconstructions).toHaveLength(2);
    const avg = generatorWeights[W_AVG].data as Float32Array;
    (r.ws.data as Float32Array).forEach((v, i) => expect(v).toBeCloseTo(avg[i % gan.wDim], 5));
    for (const img of r.reconstructions) for (const v of img.data as Float32Array) expect(v >= 0 && v <= 1).toBe(true);
  });

  it('names a wrong image size, mode, range and a generator it was not made for', async () => {
    const model = { encoderConfig: enc, encoderWeights: buildEncoderWeights(), ganConfig: gan, generatorWeights: await tinyGenerator(), backend: nodeBackend };
    const reject = (t: Tensor) => encodeImages(model, t).then(() => null, (e: unknown) => e);
    const wrongSize = (await reject(f32([1, 3, 32, 32]))) as Error;
    expect(wrongSize).toBeInstanceOf(GanEncodeError);
    expect(wrongSize.name).toBe('GanEncodeError');
    expect(wrongSize.message).toMatch(/32×32 .*works at 16×16/);
    expect(((await reject(f32([1, 4, 16, 16]))) as Error).message).toMatch(/RGBA/);
    expect(((await reject(f32([1, 3, 16, 16], new Float32Array(768).fill(-1)))) as Error).message).toMatch(/must be in \[0, 1\]/);
    const other = ganConfigSchema.parse({ ...gan, wDim: 16 });
    expect(() => checkEncoderFits(enc, other)).toThrow(/W\+ \[N, 6, 8\] does not fit this generator .*W\+ \[N, 6, 16\]/);
  });

  it('the architecture entry lists exactly the weights the encoder declares', () => {
    const shapes = encoderWeightShapes(ganEncoderArchitecture(enc));
    const w = buildEncoderWeights();
    expect(Object.keys(shapes).sort()).toEqual(Object.keys(w).sort());
    for (const [k, s] of Object.entries(shapes)) expect(w[k].shape).toEqual(s);
  });
});

function buildEncoderWeights(): Record<string, Tensor> {
  const p = new Params(new GraphBuilder('encoder'));
  new GanEncoder(p, ENCODER_PREFIX, enc);
  return p.initial();
}
