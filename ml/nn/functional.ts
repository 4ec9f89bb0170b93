// Stateless pieces models and losses are made of: resampling and losses, as standard operators.
import type { Value } from '../builder.ts';
import { f32 } from '../tensor.ts';

/**
 * Nearest-neighbour upsampling of NCHW by an integer factor, as PyTorch exports F.interpolate
 * (Resize with asymmetric coordinates and floor rounding: output pixel i reads input ⌊i/s⌋).
 */
export function upsampleNearest(x: Value, factor = 2): Value {
  const b = x.b;
  const scales = b.constant(f32([x.rank], [1, 1, ...x.shape.slice(2).map(() => factor)]));
  return b.op1('Resize', [x, null, scales], {
    mode: 'nearest',
    coordinate_transformation_mode: 'asymmetric',
    nearest_mode: 'floor',
  });
}

/** Concatenation along channels (axis 1), the skip connection of a UNet. */
export function concatChannels(xs: Value[]): Value {
  return xs[0].b.op1('Concat', xs, { axis: 1 });
}

/** mean((a − b)²) as a scalar. */
export function mseLoss(pred: Value, target: Value): Value {
  const b = pred.b;
  const d = b.op1('Sub', [pred, target]);
  return b.op1('ReduceMean', [b.op1('Mul', [d, d])], { keepdims: 0 });
}

/** mean(|a − b|) as a scalar. */
export function l1Loss(pred: Value, target: Value): Value {
  const b = pred.b;
  return b.op1('ReduceMean', [b.op1('Abs', [b.op1('Sub', [pred, target])])], { keepdims: 0 });
}
