// The reconstruction objective that GAN inversion, the encoder and pivotal tuning share: a pixel
// term plus a perceptual term from the evaluator's image tower (the pack ships it). The perceptual
// term compares normalized embeddings (1 − cosine), so a reconstruction is judged by what the
// evaluator recognises rather than only by per-pixel error, which alone rewards blur. The target's
// embedding is computed once and fed; only the reconstruction goes through the tower each step.
// The tower's weights keep their names ('image.*'), so the evaluator's file feeds them unchanged.
import type { Params, Value } from '../../ml/index.ts';
import { l2normalize } from '../evaluator/clip.ts';
import type { ClipConfig } from '../evaluator/config.ts';
import { ImageTower } from '../evaluator/image-tower.ts';

export interface ReconstructionWeights {
  /** Weight of the mean squared pixel error (images in [−1, 1]). */
  pixel: number;
  /** Weight of 1 − cos(evaluator embedding of the reconstruction, of the target). */
  perceptual: number;
}

export const DEFAULT_RECONSTRUCTION: ReconstructionWeights = { pixel: 1, perceptual: 0.5 };

/** Graph input of the targets' normalized evaluator embeddings [B, embedDim]. */
export const TARGET_EMBEDDING = 'target_embedding';

/** Per-image reconstruction loss [B] of `image` against `target` (both [B, 3, S, S] in [−1, 1]). */
export function reconstructionPerImage(p: Params, evaluator: ClipConfig, image: Value, target: Value, w: ReconstructionWeights): Value {
  const b = image.b;
  const [B] = image.shape;
  const diff = b.op1('Sub', [image, target]);
  let loss = b.op1('Mul', [b.op1('ReduceMean', [b.op1('Mul', [diff, diff])], { axes: [1, 2, 3], keepdims: 0 }), b.scalar(w.pixel)]);
  if (w.perceptual > 0) {
    const tower = new ImageTower(p, 'image', evaluator);
    const emb = l2normalize(tower.forward(image).embedding);
    const targetEmb = b.input(TARGET_EMBEDDING, 'float32', [B, evaluator.embedDim]);
    const cos = b.op1('ReduceSum', [b.op1('Mul', [emb, targetEmb]), b.ints([1])], { keepdims: 0 });
    loss = b.op1('Add', [loss, b.op1('Mul', [b.op1('Sub', [b.scalar(1), cos]), b.scalar(w.perceptual)])]);
  }
  return loss;
}

/** The evaluator weights the perceptual term reads (the image tower's), picked from the whole evaluator. */
export function towerWeights<T>(p: Params, evaluator: Record<string, T>): Record<string, T> {
  const out: Record<string, T> = {};
  for (const n of p.names())
    if (n.startsWith('image.')) {
      if (!evaluator[n]) throw new Error(`perceptual loss: the evaluator has no weight "${n}"`);
      out[n] = evaluator[n];
    }
  return out;
}
