// What travels through Redis: small job records only. Tensors, large parameters and documents
// go into the shared store and are named here by their sha256. Both sides parse with these
// schemas, so a record written by another version (or by hand) fails loudly, naming the field.
import { z } from 'zod';

export const QUEUE_NAME = 'nodes';

/** A value in the store: the whole object (an encoded port value), or one port of an encoded
 * outputs record. */
export const ObjectRefSchema = z.object({ object: z.string().regex(/^[0-9a-f]{64}$/), port: z.string().optional() });
export type ObjectRef = z.infer<typeof ObjectRefSchema>;

export const NodeJobSchema = z.object({
  v: z.literal(1),
  /** The submitting run, for logs. */
  run: z.string(),
  nodeId: z.string(),
  nodeType: z.string(),
  /** Inline when small, else an object holding their JSON. */
  params: z.union([z.object({ inline: z.record(z.string(), z.unknown()) }), ObjectRefSchema]),
  /** The node's cache key; null for nodes that are not deterministic (never committed). */
  key: z.string().nullable(),
  inputs: z.record(z.string(), z.union([ObjectRefSchema, z.array(ObjectRefSchema), z.null()])),
  /** The graph document, for nodes that embed it (stored as an encoded object). */
  document: ObjectRefSchema.optional(),
  /** Stop the node after this long; the job fails without retry. */
  timeoutMs: z.number().int().positive().optional(),
});
export type NodeJob = z.infer<typeof NodeJobSchema>;

export const NodeResultSchema = z.object({
  /** The encoded outputs record in the store. */
  object: z.string().regex(/^[0-9a-f]{64}$/),
  /** True when a committed result was found and nothing was computed. */
  reused: z.boolean(),
  ms: z.number(),
  worker: z.string(),
});
export type NodeResult = z.infer<typeof NodeResultSchema>;

/** Parameters up to this size ride in the job record; larger ones (embedded images) go to the store. */
export const INLINE_PARAMS_BYTES = 16 * 1024;

/** Job ids come from the run and the cache key, so adding the same job twice is harmless.
 * BullMQ reserves ':' in ids. */
export const jobIdOf = (run: string, keyOrNode: string) => `${run}.${keyOrNode}`.replace(/[^A-Za-z0-9_.-]/g, '_');

/** Custom event the submitter publishes to stop a job wherever it runs. */
export const CANCEL_EVENT = 'node-cancel';
