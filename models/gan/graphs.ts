// The GAN's graphs, built from one set of modules so every graph shares the weight names ('g.…',
// 'd.…'): the generator from any inversion space, and the two training graphs (discriminator,
// generator) with DiffAugment and the non-saturating logistic loss. R1 is built by differentiating
// the discriminator's own gradient graph (double backward): the penalty's graph contains the
// gradient of the score with respect to the real images, and the trainer differentiates that graph
// again with respect to the discriminator's weights.
import { grad, type Graph, GraphBuilder, Params, type Value } from '../../ml/index.ts';
import { applyAugment, augmentInputs } from './augment.ts';
import { type GanConfig, noiseInputs, numWs } from './config.ts';
import { Discriminator } from './discriminator.ts';
import { Generator } from './generator.ts';

/** Where a generator graph starts: the GAN family's inversion spaces. */
export type GanSpace = 'z' | 'w' | 'w+' | 's' | 'f';

export interface GeneratorGraphOptions {
  space: GanSpace;
  /** For 'f': the level whose input state (features and RGB skip) is fed (1 … levels − 1; level l works at 4·2ˡ). */
  featureLevel?: number;
  seed?: number;
}

const imageShape = (c: GanConfig, n: number) => [n, c.imageChannels, c.resolution, c.resolution];

function declareNoises(b: GraphBuilder, c: GanConfig, n: number): Record<string, Value> {
  return Object.fromEntries(noiseInputs(c).map(({ name, side }) => [name, b.input(name, 'float32', [n, 1, side, side])]));
}

/**
 * 'z' [B, zDim] (+ 'class' one-hot) → w [B, wDim], through the truncation w_avg + ψ(w − w_avg).
 * The untruncated w is also an output ('w'): training tracks w_avg from it.
 */
function mapped(b: GraphBuilder, g: Generator, c: GanConfig, n: number): Value {
  const z = b.input('z', 'float32', [n, c.zDim]);
  const cls = c.classes ? b.input('class', 'float32', [n, c.classes]) : null;
  const wAvg = b.input(W_AVG, 'float32', [c.wDim]);
  const psi = b.input('psi', 'float32', [1]);
  const w = g.mapping.forward(z, cls);
  b.output(w, 'w');
  return b.op1('Add', [wAvg, b.op1('Mul', [b.op1('Sub', [w, wAvg]), psi])]);
}

/** The tracked mean of mapped w: the truncation's centre, and the pull target of W inversion. */
export const W_AVG = 'g.mapping.w_avg';

/**
 * The generator from one space to 'image' [B, C, R, R] (raw, about [−1, 1]). Inputs by space:
 * z: 'z', 'class', 'psi', 'g.mapping.w_avg'; w: 'w' [B, wDim]; w+: 'ws' [B, numWs, wDim];
 * s: 'style_<i>' [B, Cin_i] per modulated layer; f: the synthesis's state entering level
 * featureLevel, at its side Sf = 4·2^featureLevel — 'features' [B, channels[featureLevel − 1], Sf, Sf]
 * (that level's conv0 input) and 'skip' [B, C, Sf, Sf] (the RGB sum of the levels below, upsampled) —
 * and 'ws' (only the entries from that level up are read).
 * Every space also takes the per-layer noise inputs 'noise_<side>_<i>' [B, 1, side, side].
 */
export function generatorGraph(c: GanConfig, batch: number, opts: GeneratorGraphOptions) {
  const b = new GraphBuilder(`gan-generator-${opts.space}`);
  const p = new Params(b, { seed: opts.seed ?? 0 });
  const g = new Generator(p, 'g', c);
  const noises = declareNoises(b, c, batch);
  const syn = g.synthesis;
  let image: Value;
  if (opts.space === 's') {
    const styles = syn.styleLayers().map((l, i) => b.input(`style_${i}`, 'float32', [batch, l.conv.inChannels]));
    image = syn.forward(styles, noises);
  } else if (opts.space === 'f') {
    const level = opts.featureLevel ?? 2;
    if (!(level >= 1 && level < c.channels.length)) throw new Error(`generator graph: feature level ${level} is outside 1…${c.channels.length - 1}`);
    // The synthesis's state entering `level`, both at that level's side: its conv0 input (level − 1's
    // output, upsampled) and the RGB skip sum of the levels below (upsampled likewise).
    const side = 4 << level;
    const features = b.input('features', 'float32', [batch, c.channels[level - 1], side, side]);
    const skip = b.input('skip', 'float32', [batch, c.imageChannels, side, side]);
    const ws = b.input('ws', 'float32', [batch, numWs(c), c.wDim]);
    image = syn.forward(syn.styles(ws), noises, { level, features, skip });
  } else {
    const ws =
      opts.space === 'w+'
        ? b.input('ws', 'float32', [batch, numWs(c), c.wDim])
        : g.broadcast(opts.space === 'w' ? b.input('w', 'float32', [batch, c.wDim]) : mapped(b, g, c, batch));
    image = syn.forward(syn.styles(ws), noises);
  }
  b.output(image, 'image');
  return { graph: b.build(), p, g };
}

/** 'z' (+ 'class') → 'w' [B, wDim]: the mapping network alone (for w_avg, GANSpace, W-space starts). */
export function mappingGraph(c: GanConfig, batch: number, seed = 0) {
  const b = new GraphBuilder('gan-mapping');
  const p = new Params(b, { seed });
  const g = new Generator(p, 'g', c);
  const z = b.input('z', 'float32', [batch, c.zDim]);
  const cls = c.classes ? b.input('class', 'float32', [batch, c.classes]) : null;
  b.output(g.mapping.forward(z, cls), 'w');
  return { graph: b.build(), p, g };
}

/** softplus(x) = log(1 + eˣ), the logistic GAN loss's building block. */
const softplus = (x: Value) => x.b.op1('Softplus', [x]);
const mean = (x: Value) => x.b.op1('ReduceMean', [x], { keepdims: 0 });

/**
 * The discriminator's loss: mean softplus(D(aug(fake))) + mean softplus(−D(aug(real))).
 * Inputs 'real', 'fake' [B, C, R, R], 'real_class' / 'fake_class' (conditioned), the real_/fake_
 * augmentation inputs and 'd.*' weights → 'd_loss', 'real_score', 'fake_score' (means, for logs).
 */
export function discriminatorTrainingGraph(c: GanConfig, batch: number, seed = 0) {
  const b = new GraphBuilder('gan-d-train');
  const p = new Params(b, { seed });
  const d = new Discriminator(p, 'd', c);
  const score = (prefix: 'real' | 'fake') => {
    const x = b.input(prefix, 'float32', imageShape(c, batch));
    const cls = c.classes ? b.input(`${prefix}_class`, 'float32', [batch, c.classes]) : null;
    return d.forward(applyAugment(x, augmentInputs(b, `${prefix}_`, batch, c.resolution)), cls);
  };
  const real = score('real');
  const fake = score('fake');
  const loss = b.op1('Add', [mean(softplus(fake)), mean(softplus(b.op1('Neg', [real])))]);
  b.output(loss, 'd_loss');
  b.output(mean(real), 'real_score');
  b.output(mean(fake), 'fake_score');
  return { graph: b.build(), p, d };
}

/**
 * R1 (Mescheder et al. 2018): (γ/2)·E‖∇ₓD(x)‖² on real images, scaled by the lazy-regularization
 * interval (StyleGAN2 applies it every `interval` steps with a proportionally larger weight).
 * Built by double backward: the score graph is differentiated with respect to 'real', and the
 * penalty over that gradient is the returned graph's 'r1' output, whose own gradient with respect
 * to the 'd.*' weights the trainer takes. Gradients flow through DiffAugment as in StyleGAN2-ADA.
 */
export function r1Graph(c: GanConfig, batch: number, { gamma, interval }: { gamma: number; interval: number }, seed = 0): { graph: Graph; p: Params } {
  const b = new GraphBuilder('gan-d-r1');
  const p = new Params(b, { seed });
  const d = new Discriminator(p, 'd', c);
  const x = b.input('real', 'float32', imageShape(c, batch));
  const cls = c.classes ? b.input('real_class', 'float32', [batch, c.classes]) : null;
  const score = d.forward(applyAugment(x, augmentInputs(b, 'real_', batch, c.resolution)), cls);
  b.output(b.op1('ReduceSum', [score], { keepdims: 0 }), 'score_sum');
  const withGrad = GraphBuilder.from(grad(b.build(), { loss: 'score_sum', wrt: ['real'] }));
  const g = withGrad.value('real_grad');
  const perImage = withGrad.op1('ReduceSum', [withGrad.op1('Mul', [g, g]), withGrad.ints([1, 2, 3])], { keepdims: 0 });
  withGrad.output(withGrad.op1('Mul', [mean(perImage), withGrad.scalar((gamma / 2) * interval)]), 'r1');
  return { graph: withGrad.build(), p };
}

/**
 * The generator's loss: mean softplus(−D(aug(G(z)))), the non-saturating logistic loss. Inputs
 * 'z', 'class', the noises, 'fake_' augmentation, 'g.*' and 'd.*' weights (only g.* are trained;
 * the discriminator's current weights are fed each step) → 'g_loss'. Truncation is off (ψ = 1,
 * w_avg unused), so the graph takes neither.
 */
export function generatorTrainingGraph(c: GanConfig, batch: number, seed = 0) {
  const b = new GraphBuilder('gan-g-train');
  const p = new Params(b, { seed });
  const g = new Generator(p, 'g', c);
  const d = new Discriminator(p, 'd', c);
  const noises = declareNoises(b, c, batch);
  const z = b.input('z', 'float32', [batch, c.zDim]);
  const cls = c.classes ? b.input('class', 'float32', [batch, c.classes]) : null;
  const image = g.synthesis.forward(g.synthesis.styles(g.broadcast(g.mapping.forward(z, cls))), noises);
  const score = d.forward(applyAugment(image, augmentInputs(b, 'fake_', batch, c.resolution)), cls);
  b.output(mean(softplus(b.op1('Neg', [score]))), 'g_loss');
  return { graph: b.build(), p, g, d };
}
