// The graph document as it is saved: React Flow's shape plus a schema version. Extra fields
// (titles, groups, colours) pass through untouched. Params are JSON values only: a document
// holds no code of any kind.
import { z } from 'zod';

export const CURRENT_VERSION = 2;

export const PositionSchema = z.object({ x: z.number(), y: z.number() });

export const GraphNodeSchema = z.looseObject({
  id: z.string().min(1).max(200),
  type: z.string().min(1).max(200),
  params: z.record(z.string(), z.json()).default({}),
  position: PositionSchema.default({ x: 0, y: 0 }),
});

export const GraphEdgeSchema = z.looseObject({
  id: z.string().min(1).max(200),
  source: z.string().min(1),
  sourceHandle: z.string().min(1),
  target: z.string().min(1),
  targetHandle: z.string().min(1),
});

export const GraphDocSchema = z.looseObject({
  version: z.literal(CURRENT_VERSION),
  title: z.string().max(500).optional(),
  nodes: z.array(GraphNodeSchema).max(5000),
  edges: z.array(GraphEdgeSchema).max(20000),
});

export type GraphNode = z.infer<typeof GraphNodeSchema>;
export type GraphEdge = z.infer<typeof GraphEdgeSchema>;
export type GraphDoc = z.infer<typeof GraphDocSchema>;
