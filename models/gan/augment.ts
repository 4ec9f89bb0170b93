// DiffAugment (Zhao et al. 2020) for data-efficient GAN training: the same random colour,
// translation and cutout are applied to real and generated images before the discriminator, inside
// the graph, so the generator's gradient flows through them. The random draws are made in
// JavaScript (a pure function of a seeded Rng) and fed as inputs; the graph only applies them:
// brightness, saturation and contrast as affine maps, translation as two shift-matrix products
// (Tᵧ · x · Tₓᵀ, zero-filled), cutout as a mask.
import { f32, type GraphBuilder, type Rng, type Tensor, type Value } from '../../ml/index.ts';

export const AUGMENT_INPUTS = ['aug_brightness', 'aug_saturation', 'aug_contrast', 'aug_shift_y', 'aug_shift_x', 'aug_cutout'] as const;
export type AugmentInput = (typeof AUGMENT_INPUTS)[number];

/** Declares the augmentation inputs for a batch of `n` images of side `side`, under a prefix. */
export function augmentInputs(b: GraphBuilder, prefix: string, n: number, side: number): Record<AugmentInput, Value> {
  const scalarShape = [n, 1, 1, 1];
  const mapShape = [n, 1, side, side];
  return {
    aug_brightness: b.input(`${prefix}aug_brightness`, 'float32', scalarShape),
    aug_saturation: b.input(`${prefix}aug_saturation`, 'float32', scalarShape),
    aug_contrast: b.input(`${prefix}aug_contrast`, 'float32', scalarShape),
    aug_shift_y: b.input(`${prefix}aug_shift_y`, 'float32', mapShape),
    aug_shift_x: b.input(`${prefix}aug_shift_x`, 'float32', mapShape),
    aug_cutout: b.input(`${prefix}aug_cutout`, 'float32', mapShape),
  };
}

/** Applies the fed augmentation to images x [N, C, S, S] in [−1, 1]. */
export function applyAugment(x: Value, a: Record<AugmentInput, Value>): Value {
  const b = x.b;
  const mean = (v: Value, axes: number[]) => b.op1('ReduceMean', [v], { axes, keepdims: 1 });
  let h = b.op1('Add', [x, a.aug_brightness]);
  const mc = mean(h, [1]);
  h = b.op1('Add', [b.op1('Mul', [b.op1('Sub', [h, mc]), a.aug_saturation]), mc]);
  const ma = mean(h, [1, 2, 3]);
  h = b.op1('Add', [b.op1('Mul', [b.op1('Sub', [h, ma]), a.aug_contrast]), ma]);
  h = b.op1('MatMul', [b.op1('MatMul', [a.aug_shift_y, h]), b.op1('Transpose', [a.aug_shift_x], { perm: [0, 1, 3, 2] })]);
  return b.op1('Mul', [h, a.aug_cutout]);
}

/** The identity augmentation (evaluation, and tests that need none). */
export function noAugment(n: number, side: number): Record<AugmentInput, Tensor> {
  const eye = new Float32Array(n * side * side);
  for (let k = 0; k < n; k++) for (let i = 0; i < side; i++) eye[k * side * side + i * side + i] = 1;
  return {
    aug_brightness: f32([n, 1, 1, 1]),
    aug_saturation: f32([n, 1, 1, 1], new Float32Array(n).fill(1)),
    aug_contrast: f32([n, 1, 1, 1], new Float32Array(n).fill(1)),
    aug_shift_y: f32([n, 1, side, side], eye),
    aug_shift_x: f32([n, 1, side, side], eye.slice()),
    aug_cutout: f32([n, 1, side, side], new Float32Array(n * side * side).fill(1)),
  };
}

/** A shift matrix: row i reads source i − d (zero outside), so T · x moves x by d pixels. */
function shiftMatrix(out: Float32Array, offset: number, side: number, d: number): void {
  for (let i = 0; i < side; i++) {
    const j = i - d;
    if (j >= 0 && j < side) out[offset + i * side + j] = 1;
  }
}

/**
 * DiffAugment's 'color,translation,cutout' policy: brightness +U(−0.5, 0.5), saturation ×U(0, 2),
 * contrast ×U(0.5, 1.5), translation by up to 1/8 of the side, one cutout square of half the side.
 */
export function drawAugment(rng: Rng, n: number, side: number): Record<AugmentInput, Tensor> {
  const a = noAugment(n, side);
  const [br, sa, co] = [a.aug_brightness.data, a.aug_saturation.data, a.aug_contrast.data] as Float32Array[];
  const [sy, sx, cut] = [a.aug_shift_y.data, a.aug_shift_x.data, a.aug_cutout.data] as Float32Array[];
  sy.fill(0);
  sx.fill(0);
  const maxShift = Math.round(side / 8);
  const half = side >> 1;
  for (let k = 0; k < n; k++) {
    br[k] = rng.next() - 0.5;
    sa[k] = rng.next() * 2;
    co[k] = rng.next() + 0.5;
    const off = k * side * side;
    shiftMatrix(sy, off, side, rng.int(2 * maxShift + 1) - maxShift);
    shiftMatrix(sx, off, side, rng.int(2 * maxShift + 1) - maxShift);
    const cy = rng.int(side + (1 - (half % 2))) - (half >> 1);
    const cx = rng.int(side + (1 - (half % 2))) - (half >> 1);
    for (let y = Math.max(0, cy); y < Math.min(side, cy + half); y++)
      for (let x = Math.max(0, cx); x < Math.min(side, cx + half); x++) cut[off + y * side + x] = 0;
  }
  return a;
}
