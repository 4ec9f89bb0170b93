// Tensor specs from builders: an architecture's weights are exactly the Params a model declares,
// so building it once (no session, no run) lists every name and shape the weights file must hold.
import type { Params } from '../../ml/index.ts';

export function paramShapes(p: Params): Record<string, number[]> {
  return Object.fromEntries(p.names().map((n) => [n, [...p.get(n).init.shape]]));
}
