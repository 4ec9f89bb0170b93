// Groups are the editor's own part of the document: titled frames around nodes. They live in
// an extra `groups` field that the runtime passes through untouched and never runs.
import { z } from 'zod';
import type { GraphDoc } from '../../runtime/index.ts';

export const GroupSchema = z.object({
  id: z.string().min(1).max(200),
  title: z.string().max(200),
  x: z.number(),
  y: z.number(),
  width: z.number().positive(),
  height: z.number().positive(),
});

export type Group = z.infer<typeof GroupSchema>;

/** The valid groups of a document; a malformed one is dropped rather than failing the graph. */
export function groupsOf(doc: GraphDoc): Group[] {
  const raw = (doc as { groups?: unknown }).groups;
  if (!Array.isArray(raw)) return [];
  return raw.flatMap((g) => {
    const r = GroupSchema.safeParse(g);
    return r.success ? [r.data] : [];
  });
}

/** Whether a point (a node's top-left corner) lies inside a group's frame. */
export const groupContains = (g: Group, p: { x: number; y: number }) =>
  p.x >= g.x && p.y >= g.y && p.x <= g.x + g.width && p.y <= g.y + g.height;
