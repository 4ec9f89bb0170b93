// The document as React Flow nodes and edges. Pure, and memoized per document object: immer
// keeps unchanged nodes identical, so after an edit only the touched nodes get new objects
// and React Flow re-renders only them (what keeps a 300-node graph smooth).
import type { Edge, Node } from '@xyflow/react';
import type { GraphDoc, GraphEdge, GraphNode } from '../../runtime/index.ts';
import type { NodeCatalog } from '../catalog/node-catalog.ts';
import { PORT_STYLE } from '../catalog/theme.ts';
import { groupsOf, type Group } from '../document/groups.ts';
import type { Selection } from '../ui/ui-store.ts';

export type WorkbenchFlowNode = Node<{ node: GraphNode }, 'workbench'>;
export type FrameFlowNode = Node<{ group: Group }, 'frame'>;
export type FlowNode = WorkbenchFlowNode | FrameFlowNode;

type Size = { width: number; height: number };

/** The width every node is drawn at (app.css `.wb-node`). */
export const NODE_WIDTH = 244;

/** A node's size before the canvas has measured it, from its port count. React Flow hides a
 * node until it knows a size; a good guess draws a large graph a whole layout pass sooner, and
 * the measured size replaces it right after. */
export const estimatedHeight = (ports: number) => 38 + Math.max(1, ports) * 23 + 12;

export function createFlowMapper(catalog: NodeCatalog) {
  const nodeCache = new WeakMap<GraphNode, { selected: boolean; size?: Size; out: WorkbenchFlowNode }>();
  const edgeCache = new WeakMap<GraphEdge, { selected: boolean; out: Edge }>();
  // Groups are parsed out of the document on every call, so they are cached by content.
  const frameCache = new Map<string, { key: string; out: FrameFlowNode }>();

  const toFrame = (g: Group, selected: boolean): FrameFlowNode => {
    const key = `${g.title}|${g.x}|${g.y}|${g.width}|${g.height}|${selected}`;
    const hit = frameCache.get(g.id);
    if (hit?.key === key) return hit.out;
    const out: FrameFlowNode = { id: g.id, type: 'frame', position: { x: g.x, y: g.y }, width: g.width, height: g.height, data: { group: g }, selected, zIndex: -1 };
    frameCache.set(g.id, { key, out });
    return out;
  };

  const toNode = (n: GraphNode, selected: boolean, size: Size | undefined): WorkbenchFlowNode => {
    const hit = nodeCache.get(n);
    if (hit && hit.selected === selected && hit.size === size) return hit.out;
    const info = catalog.get(n.type);
    const ports = info ? Math.max(Object.keys(info.inputs).length, Object.keys(info.outputs).length) : 1;
    const out: WorkbenchFlowNode = size
      ? { id: n.id, type: 'workbench', position: n.position, data: { node: n }, selected, measured: size }
      : { id: n.id, type: 'workbench', position: n.position, data: { node: n }, selected, initialWidth: NODE_WIDTH, initialHeight: estimatedHeight(ports) };
    nodeCache.set(n, { selected, size, out });
    return out;
  };

  const toEdge = (e: GraphEdge, doc: GraphDoc, selected: boolean): Edge => {
    const hit = edgeCache.get(e);
    if (hit && hit.selected === selected) return hit.out;
    const src = doc.nodes.find((n) => n.id === e.source);
    const kind = src && catalog.get(src.type)?.outputs[e.sourceHandle]?.kind;
    const colour = kind ? PORT_STYLE[kind].colour : '#888';
    const out: Edge = { ...e, selected, style: { stroke: colour, strokeWidth: selected ? 3 : 2 }, data: { kind } };
    edgeCache.set(e, { selected, out });
    return out;
  };

  return (doc: GraphDoc, selection: Selection, measured: ReadonlyMap<string, Size>): { nodes: FlowNode[]; edges: Edge[] } => {
    const selNodes = new Set(selection.nodes);
    const selEdges = new Set(selection.edges);
    const selGroups = new Set(selection.groups);
    // Frames first, so they draw beneath the nodes they hold.
    const frames = groupsOf(doc).map((g) => toFrame(g, selGroups.has(g.id)));
    return {
      nodes: [...frames, ...doc.nodes.map((n) => toNode(n, selNodes.has(n.id), measured.get(n.id)))],
      edges: doc.edges.map((e) => toEdge(e, doc, selEdges.has(e.id))),
    };
  };
}
