// Copy and paste as pure functions: copying keeps the chosen nodes and only the wires between
// them; pasting gives every node a fresh id, rewires the copies to each other and offsets them.
import { z } from 'zod';
import { GraphEdgeSchema, GraphNodeSchema, type GraphDoc, type GraphEdge, type GraphNode } from '../../runtime/index.ts';
import { GroupSchema, type Group } from './groups.ts';
import { edgeId, freshId, takenIds } from './ids.ts';

export interface Fragment {
  kind: 'workbench-fragment';
  nodes: GraphNode[];
  edges: GraphEdge[];
  groups: Group[];
}

export function copyFragment(doc: GraphDoc, nodeIds: Iterable<string>, groups: readonly Group[] = []): Fragment {
  const ids = new Set(nodeIds);
  return {
    kind: 'workbench-fragment',
    nodes: doc.nodes.filter((n) => ids.has(n.id)),
    edges: doc.edges.filter((e) => ids.has(e.source) && ids.has(e.target)),
    groups: [...groups],
  };
}

export function pasteFragment(doc: GraphDoc, f: Fragment, offset: { x: number; y: number }): Fragment & { idMap: Map<string, string> } {
  const taken = takenIds(doc);
  const idMap = new Map<string, string>();
  const nodes = f.nodes.map((n) => {
    const id = freshId(taken, n.type);
    taken.add(id);
    idMap.set(n.id, id);
    return { ...n, id, position: { x: n.position.x + offset.x, y: n.position.y + offset.y } };
  });
  const edges = f.edges.map((e) => {
    const source = idMap.get(e.source)!;
    const target = idMap.get(e.target)!;
    return { ...e, id: edgeId(source, e.sourceHandle, target, e.targetHandle), source, target };
  });
  const groups = f.groups.map((g) => {
    const id = freshId(taken, 'group');
    taken.add(id);
    return { ...g, id, x: g.x + offset.x, y: g.y + offset.y };
  });
  return { kind: 'workbench-fragment', nodes, edges, groups, idMap };
}

const FragmentSchema = z.object({
  kind: z.literal('workbench-fragment'),
  nodes: z.array(GraphNodeSchema).max(5000),
  edges: z.array(GraphEdgeSchema).max(20000),
  groups: z.array(GroupSchema).max(1000).default([]),
});

/** A fragment read back from the system clipboard (untrusted text), or undefined. */
export function parseFragment(text: string): Fragment | undefined {
  try {
    const r = FragmentSchema.safeParse(JSON.parse(text));
    return r.success ? r.data : undefined;
  } catch {
    return undefined;
  }
}
