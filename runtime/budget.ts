// Memory a node would allocate, estimated from its parameters and checked against
// LIMITS.nodeBytes as part of its params schema: validation refuses the graph (naming the node and
// the parameter) before anything runs, and run code never starts an allocation it cannot finish.
import type { z } from 'zod';
import { formatBytes, LIMITS } from '../ml/untrusted/limits.ts';

export interface ByteEstimate<P> {
  /** Bytes the node allocates for these params. */
  bytes(params: P): number;
  /** The parameter to lower (the error sits on it), and how the size is made up, for the message. */
  field: keyof P & string;
  explain(params: P): string;
}

/** A superRefine check for a node's params: an issue on `field` when the estimate is over budget. */
export function withinBudget<P>(estimate: ByteEstimate<P>) {
  return (params: P, ctx: z.RefinementCtx) => {
    const bytes = estimate.bytes(params);
    if (bytes > LIMITS.nodeBytes)
      ctx.addIssue({
        code: 'custom',
        path: [estimate.field],
        message: `${estimate.explain(params)} needs ${formatBytes(bytes)}, more than a node may allocate (limit nodeBytes = ${formatBytes(LIMITS.nodeBytes)}); lower ${estimate.field}`,
      });
  };
}
