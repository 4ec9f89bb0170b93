// Every change to the document, as immer recipes. They only describe the change on a draft;
// the document store runs them through produceWithPatches, so each becomes an undo step.
import type { Draft } from 'immer';
import type { GraphDoc, GraphEdge, GraphNode } from '../../runtime/index.ts';
import type { Group } from './groups.ts';

export type Recipe = (draft: Draft<GraphDoc>) => void;

type Point = { x: number; y: number };

const groupList = (d: Draft<GraphDoc>): Group[] => {
  const doc = d as unknown as { groups?: Group[] };
  if (!Array.isArray(doc.groups)) doc.groups = [];
  return doc.groups;
};

export const addNode =
  (node: GraphNode): Recipe =>
  (d) => {
    d.nodes.push(node);
  };

export const moveNodes =
  (positions: Record<string, Point>): Recipe =>
  (d) => {
    for (const n of d.nodes) if (positions[n.id]) n.position = { ...positions[n.id] };
  };

/** Set one param; `undefined` removes it so the node's default applies again. */
export const setParam =
  (nodeId: string, name: string, value: unknown): Recipe =>
  (d) => {
    const n = d.nodes.find((x) => x.id === nodeId);
    if (!n) return;
    if (value === undefined) delete n.params[name];
    else n.params[name] = value as GraphNode['params'][string];
  };

export const connect =
  (edge: GraphEdge, replaces: readonly string[] = []): Recipe =>
  (d) => {
    d.edges = d.edges.filter((e) => !replaces.includes(e.id));
    d.edges.push(edge);
  };

/** Remove nodes (with every wire touching them), wires and groups. */
export const removeElements =
  (ids: { nodes?: readonly string[]; edges?: readonly string[]; groups?: readonly string[] }): Recipe =>
  (d) => {
    const nodes = new Set(ids.nodes);
    const edges = new Set(ids.edges);
    d.nodes = d.nodes.filter((n) => !nodes.has(n.id));
    d.edges = d.edges.filter((e) => !edges.has(e.id) && !nodes.has(e.source) && !nodes.has(e.target));
    if (ids.groups?.length) {
      const groups = new Set(ids.groups);
      const doc = d as unknown as { groups?: Group[] };
      doc.groups = groupList(d).filter((g) => !groups.has(g.id));
    }
  };

export const insertFragment =
  (f: { nodes: readonly GraphNode[]; edges: readonly GraphEdge[]; groups?: readonly Group[] }): Recipe =>
  (d) => {
    d.nodes.push(...(f.nodes as GraphNode[]));
    d.edges.push(...(f.edges as GraphEdge[]));
    if (f.groups?.length) groupList(d).push(...f.groups);
  };

export const addGroup =
  (group: Group): Recipe =>
  (d) => {
    groupList(d).push(group);
  };

export const updateGroup =
  (id: string, patch: Partial<Omit<Group, 'id'>>): Recipe =>
  (d) => {
    const g = groupList(d).find((x) => x.id === id);
    if (g) Object.assign(g, patch);
  };

/** Move a group and the nodes it framed when the drag began, by the same offset. */
export const moveGroup =
  (id: string, to: Point, members: readonly string[]): Recipe =>
  (d) => {
    const g = groupList(d).find((x) => x.id === id);
    if (!g) return;
    const dx = to.x - g.x;
    const dy = to.y - g.y;
    g.x = to.x;
    g.y = to.y;
    const inside = new Set(members);
    for (const n of d.nodes) if (inside.has(n.id)) n.position = { x: n.position.x + dx, y: n.position.y + dy };
  };

export const setTitle =
  (title: string): Recipe =>
  (d) => {
    d.title = title;
  };
