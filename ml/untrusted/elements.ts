// Element counts of tensors whose shape comes from a file: every dimension a whole number ≥ 0 and
// the product within LIMITS.tensorElements, checked before anything is allocated.
import { LIMITS, LimitError } from './limits.ts';

/** The element count of `shape`; throws naming `what` for a bad dimension or too many elements. */
export function checkElementCount(shape: readonly number[], what: string): number {
  let n = 1;
  for (const d of shape) {
    if (!Number.isSafeInteger(d) || d < 0) throw new Error(`${what}: shape [${shape.join(', ')}] has a dimension that is not a whole number ≥ 0`);
    n = Math.min(n * d, 2 ** 53); // clamped, so a zero later still gives 0 and never NaN
  }
  if (n > LIMITS.tensorElements) throw new LimitError('tensorElements', `${what}: shape [${shape.join(', ')}] has ${n >= 2 ** 53 ? 'more than 2^53' : n.toLocaleString('en-US')} elements`);
  return n;
}
