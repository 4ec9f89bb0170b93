// The evaluator: a small CLIP (image tower + text tower into one L2-normalized space) trained with
// the symmetric InfoNCE loss. It exists only to MEASURE generators (CLIP-I, CLIP-T, retrieval,
// Fréchet distance); no generator is ever trained against it, so its scores stay honest.
// Three graphs share one set of weight names: image embedding, text embedding, and training.
import { f32, GraphBuilder, type Graph, Module, Params, type Value } from '../../ml/index.ts';
import type { ClipConfig } from './config.ts';
import { ImageTower } from './image-tower.ts';
import { TextTower } from './text-tower.ts';

/** The learned temperature, stored as log(scale) like CLIP's logit_scale. */
export const LOGIT_SCALE = 'logit_scale';

/** Graph input and output names, shared by the trainer, the embedder and the tests. */
export const IO = { image: 'image', ids: 'ids', embedding: 'embedding', features: 'features', loss: 'loss' } as const;

/** x / ‖x‖ along the last axis (the epsilon keeps a zero row finite). */
export function l2normalize(x: Value): Value {
  const b = x.b;
  const sq = b.op1('ReduceSum', [b.op1('Mul', [x, x]), b.ints([x.rank - 1])], { keepdims: 1 });
  return b.op1('Div', [x, b.op1('Sqrt', [b.op1('Add', [sq, b.scalar(1e-12)])])]);
}

/** Mean over rows of −log softmax(logits)[i, i]: cross-entropy where row i's label is i. */
function diagonalCrossEntropy(logits: Value): Value {
  const b = logits.b;
  const n = logits.shape[0];
  // Subtracting the row max keeps exp() finite at logit scales up to 100.
  const m = b.op1('ReduceMax', [logits], { axes: [1], keepdims: 1 });
  const lse = b.op1('Add', [b.op1('Log', [b.op1('ReduceSum', [b.op1('Exp', [b.op1('Sub', [logits, m])]), b.ints([1])], { keepdims: 1 })]), m]);
  const eye = f32([n, n]);
  for (let i = 0; i < n; i++) (eye.data as Float32Array)[i * n + i] = 1;
  const target = b.op1('ReduceSum', [b.op1('Mul', [logits, b.constant(eye)]), b.ints([1])], { keepdims: 1 });
  return b.op1('ReduceMean', [b.op1('Sub', [lse, target])], { keepdims: 0 });
}

/**
 * Symmetric InfoNCE over a batch of matched pairs (row i of each is one pair): the mean of the
 * image→text and text→image cross-entropies of the B×B logit matrix scale·imgᵀtxt.
 * img and txt are already normalized; logScale is log(scale), clipped at log(maxScale).
 */
export function clipLoss(img: Value, txt: Value, logScale: Value, maxScale: number): Value {
  const b = img.b;
  const scale = b.op1('Exp', [b.op1('Clip', [logScale, null, b.scalar(Math.log(maxScale))])]);
  const logits = b.op1('Mul', [b.op1('MatMul', [img, b.op1('Transpose', [txt], { perm: [1, 0] })]), scale]);
  const i2t = diagonalCrossEntropy(logits);
  const t2i = diagonalCrossEntropy(b.op1('Transpose', [logits], { perm: [1, 0] }));
  return b.op1('Mul', [b.op1('Add', [i2t, t2i]), b.scalar(0.5)]);
}

/** Root of the weight tree: image.*, text.*, logit_scale. */
class Clip extends Module {
  image?: ImageTower;
  text?: TextTower;
  readonly logScale?: Value;

  constructor(p: Params, config: ClipConfig, parts: { image?: boolean; text?: boolean; scale?: boolean }) {
    super(p, '');
    if (parts.image) this.image = new ImageTower(this, 'image', config);
    if (parts.text) this.text = new TextTower(this, 'text', config);
    if (parts.scale) this.logScale = this.param(LOGIT_SCALE, f32([], [Math.log(config.initLogitScale)]));
  }
}

export interface BuiltGraph {
  graph: Graph;
  params: Params;
}

/** image [batch, 3, S, S] in [-1, 1] → embedding [batch, D] (normalized) and features [batch, C] (pooled). */
export function buildImageEmbedGraph(config: ClipConfig, batch: number): BuiltGraph {
  const b = new GraphBuilder('clip-image');
  const params = new Params(b);
  const clip = new Clip(params, config, { image: true });
  const { features, embedding } = clip.image!.forward(b.input(IO.image, 'float32', [batch, 3, config.imageSize, config.imageSize]));
  b.output(l2normalize(embedding), IO.embedding);
  b.output(features, IO.features);
  return { graph: b.build(), params };
}

/** ids [batch, maxLength] int64 → embedding [batch, D] (normalized). */
export function buildTextEmbedGraph(config: ClipConfig, batch: number): BuiltGraph {
  const b = new GraphBuilder('clip-text');
  const params = new Params(b);
  const clip = new Clip(params, config, { text: true });
  b.output(l2normalize(clip.text!.forward(b.input(IO.ids, 'int64', [batch, config.maxLength]))), IO.embedding);
  return { graph: b.build(), params };
}

/** The training graph: a batch of matched (image, ids) pairs → scalar loss. params.initial() is the untrained model. */
export function buildTrainingGraph(config: ClipConfig, batch: number, seed = 0): BuiltGraph {
  const b = new GraphBuilder('clip-train');
  const params = new Params(b, { seed });
  const clip = new Clip(params, config, { image: true, text: true, scale: true });
  const img = l2normalize(clip.image!.forward(b.input(IO.image, 'float32', [batch, 3, config.imageSize, config.imageSize])).embedding);
  const txt = l2normalize(clip.text!.forward(b.input(IO.ids, 'int64', [batch, config.maxLength])));
  b.output(clipLoss(img, txt, clip.logScale!, config.maxLogitScale), IO.loss);
  return { graph: b.build(), params };
}
