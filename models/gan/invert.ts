// Optimization-based GAN inversion (Image2StyleGAN, Abdal et al. 2019; the StyleGAN2 projector,
// Karras et al. 2020): Adam on a code of one space so the frozen generator reproduces the images
// under the shared reconstruction loss (pixels + the evaluator's embedding), with a pull towards
// w_avg that keeps the code where the generator was trained, and optionally the per-layer noise
// maps under StyleGAN2's noise regularization (their autocorrelation at every scale is penalized,
// and they are renormalized to zero mean and unit variance before each step, so the noise cannot
// carry the image). Starts from w_avg's form in the space (W, W+, S, F: all render w_avg's image) or, in Z, from a seeded z
// with the class nearest to each image. The loop (early stop, divergence keeping the last good
// value) is the one every optimization of the app shares.
import { Adam, GraphBuilder, Params, type Tensor, Trainer, type Value } from '../../ml/index.ts';
import type { ClipConfig } from '../evaluator/config.ts';
import { type LoopResult, optimize } from '../personalize/optimize.ts';
import { nearestClasses } from './classes.ts';
import { checkCode, checkSpace, classesOf, joinF, joinStyles, joinZ, splitF, splitStyles, splitZ, styleSizes, tile, toSigned } from './codes.ts';
import { type GanConfig, noiseInputs, numWs } from './config.ts';
import { type GanSpace, generatorGraph, W_AVG } from './graphs.ts';
import type { GanModel } from './model.ts';
import { reconstructionPerImage, TARGET_EMBEDDING, towerWeights } from './perceptual.ts';

export interface InversionWeights {
  /** Mean squared pixel error (images in [−1, 1]). */
  pixel: number;
  /** 1 − cos of the evaluator's image embeddings. */
  perceptual: number;
  /** Mean squared distance of the code's w (or styles, in S) from w_avg's. */
  wAvgPull: number;
  /** StyleGAN2's noise regularization (only when the noise is optimized). */
  noiseReg: number;
}

export const DEFAULT_INVERSION_WEIGHTS: InversionWeights = { pixel: 1, perceptual: 0.5, wAvgPull: 1e-3, noiseReg: 1e5 };

export interface InversionOptions {
  steps: number;
  lr: number;
  /** Seeds the starting z in Z (default 0). */
  seed?: number;
  /** The starting code, in the space inverted into. */
  init?: Tensor;
  /** Z: the class of every image (one for all, or one per image); default the nearest class to each. */
  class?: number | readonly number[];
  weights?: Partial<InversionWeights>;
  /** Also optimize the per-layer noise maps (default false: the fixed noise of `noiseSeed`). */
  optimizeNoise?: boolean;
  noiseSeed?: number;
  /** Learning rate at the last step as a fraction of `lr` (cosine decay; default 0.1, 1 = constant). */
  lrEnd?: number;
  patience?: number;
  signal?: AbortSignal;
  onStep?: (step: number, loss: number) => void;
  previewEvery?: number;
  onPreview?: (step: number, images: Tensor) => void | Promise<void>;
}

export interface InversionResult extends LoopResult {
  space: GanSpace;
  /** The code after the last good step, in `space`. */
  value: Tensor;
  /** The noise maps it renders with (optimized ones when optimizeNoise). */
  noise: Record<string, Tensor>;
  /** Z: the class each image was inverted with. */
  classes?: number[];
}

export async function invert(model: GanModel, space: GanSpace, images: Tensor, o: InversionOptions): Promise<InversionResult> {
  checkSpace(space);
  const c = model.config;
  const R = c.resolution;
  const [n] = images.shape;
  if (images.shape.length !== 4 || images.shape[1] !== 3 || images.shape[2] !== R || images.shape[3] !== R)
    throw new Error(`images [${images.shape}] do not fit GAN "${model.name}": it inverts [N, 3, ${R}, ${R}]`);
  const weights = { ...DEFAULT_INVERSION_WEIGHTS, ...o.weights };
  const noise = model.noise(o.noiseSeed ?? 0, n);
  const level = model.featureLevel;

  let start: Tensor;
  let classes: number[] | undefined;
  if (o.init) {
    if (checkCode(c, space, o.init, level) !== n) throw new Error(`the starting code has ${o.init.shape[0]} rows for ${n} images`);
    start = o.init;
    if (space === 'z' && c.classes) classes = classesOf(splitZ(c, start).cls!);
  } else if (space === 'z') {
    if (c.classes) classes = o.class === undefined ? await nearestClasses(model, images, { seed: o.seed ?? 0 }) : typeof o.class === 'number' ? new Array(n).fill(o.class) : [...o.class];
    if (classes && classes.length !== n) throw new Error(`${classes.length} classes for ${n} images`);
    start = model.sampleZ({ n, seed: o.seed ?? 0, classes });
  } else start = await model.avgCode(space, n, { noise });

  const { trainable, fixed } = partsOf(c, space, start, level);
  const centres = await pullCentres(model, space);
  const { graph, p } = inversionGraph(c, model.evaluator.config, n, space, level, weights, !!o.optimizeNoise);
  const target = toSigned(images);
  const feeds: Record<string, Tensor> = { ...trainable, ...fixed, ...noise, ...centres, target, ...towerWeights(p, model.evaluator.weights) };
  if (weights.perceptual > 0) feeds[TARGET_EMBEDDING] = await model.embedImages(images);
  for (const k of graph.inputs) if (!(k in feeds) && model.generator[k]) feeds[k] = model.generator[k];
  for (const k of Object.keys(feeds)) if (!graph.inputs.includes(k)) delete feeds[k]; // e.g. the pull centre at weight 0
  const noiseNames = noiseInputs(c).map((x) => x.name);
  const names = [...Object.keys(trainable), ...(o.optimizeNoise ? noiseNames : [])];
  const adam = new Adam({ lr: o.lr });
  const trainer = await Trainer.create({ graph, loss: 'loss', trainable: names, params: feeds, optimizer: adam, backend: model.backend, session: model.sessionOptions });
  const currentNoise = (values: Record<string, Tensor>) => (o.optimizeNoise ? Object.fromEntries(noiseNames.map((k) => [k, renormalized(values[k])])) : noise);
  const codeOf = (values: Record<string, Tensor>) => assemble(c, space, { ...fixed, ...values });
  try {
    const lrEnd = o.lrEnd ?? 0.1;
    const r = await optimize({
      trainer,
      steps: o.steps,
      batch: () => {
        if (o.optimizeNoise) for (const k of noiseNames) trainer.params[k] = renormalized(trainer.params[k]);
        return {};
      },
      patience: o.patience,
      signal: o.signal,
      onStep: o.onStep,
      previewEvery: o.previewEvery,
      onPreview: o.onPreview && (async (k, values) => o.onPreview!(k, await model.synthesize(space, codeOf(values), { noise: currentNoise(values) }))),
      decay: lrEnd < 1 ? { optimizer: adam, to: lrEnd } : undefined,
    });
    return { ...r, space, value: codeOf(r.values), noise: currentNoise(r.values), ...(classes ? { classes } : {}) };
  } finally {
    await trainer.release();
  }
}

/** A code's graph inputs: the ones inversion moves, and the ones it holds (Z's class, ψ). */
function partsOf(c: GanConfig, space: GanSpace, code: Tensor, level: number): { trainable: Record<string, Tensor>; fixed: Record<string, Tensor> } {
  switch (space) {
    case 'z': {
      const { z, cls } = splitZ(c, code);
      return { trainable: { z }, fixed: { ...(cls ? { class: cls } : {}), psi: { dtype: 'float32', shape: [1], data: new Float32Array([1]) } } };
    }
    case 'w':
      return { trainable: { w: code }, fixed: {} };
    case 'w+':
      return { trainable: { ws: code }, fixed: {} };
    case 's':
      return { trainable: Object.fromEntries(splitStyles(c, code).map((s, i) => [`style_${i}`, s])), fixed: {} };
    case 'f':
      // The features, the RGB skip and W+ all move: the skip is part of the state the code holds.
      return { trainable: { ...splitF(c, code, level) }, fixed: {} };
  }
}

/** The code of a space from its graph inputs (inverse of partsOf). */
function assemble(c: GanConfig, space: GanSpace, v: Record<string, Tensor>): Tensor {
  switch (space) {
    case 'z':
      return joinZ(v.z, v.class ?? null);
    case 'w':
      return v.w;
    case 'w+':
      return v.ws;
    case 's':
      return joinStyles(styleSizes(c).map((_, i) => v[`style_${i}`]));
    case 'f':
      return joinF(v.features, v.skip, v.ws);
  }
}

/** What the pull term pulls towards: w_avg, or in S the styles of w_avg at every layer. */
async function pullCentres(model: GanModel, space: GanSpace): Promise<Record<string, Tensor>> {
  const c = model.config;
  if (space === 'z') return {};
  if (space !== 's') return { pull_centre: tile(model.wAvg, 1, [c.wDim]) };
  const styles = await model.stylesOf(tile(model.wAvg, 1, [numWs(c), c.wDim]));
  return Object.fromEntries(styles.map((s, i) => [`pull_centre_${i}`, s]));
}

const meanSquare = (x: Value) => x.b.op1('ReduceMean', [x.b.op1('Mul', [x, x])], { keepdims: 0 });

/**
 * The generator graph of the space with the loss on top: 'loss' = mean over images of the
 * reconstruction, + wAvgPull·pull, + noiseReg·noise regularization (when the noise is optimized).
 * Inputs besides the generator's: 'target' [n, 3, R, R] in [−1, 1], the targets' embeddings,
 * the image tower's weights (in `p`), and the pull centre(s).
 */
export function inversionGraph(c: GanConfig, evaluator: ClipConfig, n: number, space: GanSpace, featureLevel: number, w: InversionWeights, optimizeNoise: boolean) {
  const b = GraphBuilder.from(generatorGraph(c, n, { space, featureLevel }).graph);
  const p = new Params(b);
  const image = b.value('image');
  const target = b.input('target', 'float32', [n, c.imageChannels, c.resolution, c.resolution]);
  let loss = b.op1('ReduceMean', [reconstructionPerImage(p, evaluator, image, target, { pixel: w.pixel, perceptual: w.perceptual })], { keepdims: 0 });
  const add = (term: Value, weight: number) => (loss = b.op1('Add', [loss, b.op1('Mul', [term, b.scalar(weight)])]));
  if (w.wAvgPull > 0) {
    const diff = (code: Value, centre: Value) => meanSquare(b.op1('Sub', [code, centre]));
    let pull: Value;
    if (space === 'z') pull = diff(b.value('w'), b.value(W_AVG));
    else if (space === 's') {
      const sizes = styleSizes(c);
      const terms = sizes.map((cin, i) => diff(b.value(`style_${i}`), b.input(`pull_centre_${i}`, 'float32', [1, cin])));
      pull = b.op1('Mul', [terms.reduce((a, t) => b.op1('Add', [a, t])), b.scalar(1 / sizes.length)]);
    } else pull = diff(b.value(space === 'w' ? 'w' : 'ws'), b.input('pull_centre', 'float32', [1, c.wDim]));
    add(pull, w.wAvgPull);
  }
  if (optimizeNoise && w.noiseReg > 0) add(noiseRegularization(noiseInputs(c).map(({ name }) => b.value(name))), w.noiseReg);
  b.output(loss, 'loss');
  return { graph: b.build(), p };
}

/** x rolled by one along an axis (the last entry first). */
function roll(x: Value, axis: number): Value {
  const b = x.b;
  const s = x.shape[axis];
  const slice = (from: number, to: number) => b.op1('Slice', [x, b.ints([from]), b.ints([to]), b.ints([axis])]);
  return b.op1('Concat', [slice(s - 1, s), slice(0, s - 1)], { axis });
}

/**
 * StyleGAN2's noise regularization: Σ over maps and scales (halving down to 8×8) of the squared
 * mean autocorrelation at a one-pixel shift, horizontally and vertically.
 */
function noiseRegularization(noises: Value[]): Value {
  const b = noises[0].b;
  const terms: Value[] = [];
  const sqMean = (x: Value, axis: number) => {
    const m = b.op1('ReduceMean', [b.op1('Mul', [x, roll(x, axis)])], { keepdims: 0 });
    return b.op1('Mul', [m, m]);
  };
  for (let x of noises) {
    for (;;) {
      terms.push(sqMean(x, 3), sqMean(x, 2));
      if (x.shape[3] <= 8) break;
      x = b.op1('AveragePool', [x], { kernel_shape: [2, 2], strides: [2, 2] });
    }
  }
  return terms.reduce((a, t) => b.op1('Add', [a, t]));
}

/** Each image's map at zero mean and unit variance (the projector's renormalization). */
function renormalized(t: Tensor): Tensor {
  const [n] = t.shape;
  const per = t.data.length / n;
  const src = t.data as Float32Array;
  const out = new Float32Array(src.length);
  for (let k = 0; k < n; k++) {
    const row = src.subarray(k * per, (k + 1) * per);
    let mean = 0;
    for (const v of row) mean += v;
    mean /= per;
    let sq = 0;
    for (const v of row) sq += (v - mean) ** 2;
    const inv = 1 / Math.sqrt(sq / per + 1e-8);
    for (let i = 0; i < per; i++) out[k * per + i] = (row[i] - mean) * inv;
  }
  return { dtype: 'float32', shape: [...t.shape], data: out };
}
