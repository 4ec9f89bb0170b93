// The document as React Flow nodes and edges. Pure, and memoized per document object: immer
// keeps unchanged nodes identical, so after an edit only the touched nodes get new objects
// and React Flow re-renders only them (what keeps a 300-node graph smooth).
import { Position, type Edge, type Node, type NodeHandle } from '@xyflow/react';
import type { GraphDoc, GraphEdge, GraphNode, NodeInfo } from '../../runtime/index.ts';
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

/** Where the first port row's handle sits and how far apart rows are (app.css: header, `.ports`
 * padding, 20px rows with 3px gaps), and a handle's size. */
const FIRST_HANDLE_TOP = 43.3;
const ROW_PITCH = 23;
const HANDLE = 11;

/** A node's size before the canvas has measured it, from its port count. */
export const estimatedHeight = (rows: number) => FIRST_HANDLE_TOP - 0.5 + Math.max(1, rows) * ROW_PITCH;

const handlesByType = new WeakMap<NodeInfo, NodeHandle[]>();

/** Handle boxes before measurement, from the node's ports. React Flow hides a node until it
 * knows its size and draws a wire only once it knows both handles; good guesses draw a large
 * graph, wires included, a whole measuring pass sooner, and the measured values replace them.
 * One list per node type, shared by its nodes (React Flow only reads it). */
export function estimatedHandles(info: NodeInfo): NodeHandle[] {
  let handles = handlesByType.get(info);
  if (!handles) handlesByType.set(info, (handles = handlesOf(info)));
  return handles;
}

function handlesOf(info: NodeInfo): NodeHandle[] {
  const side = (names: string[], type: 'source' | 'target') =>
    names.map((id, i) => ({
      id,
      type,
      position: type === 'target' ? Position.Left : Position.Right,
      x: type === 'target' ? -HANDLE / 2 + 1 : NODE_WIDTH - HANDLE / 2 - 1,
      y: FIRST_HANDLE_TOP + i * ROW_PITCH,
      width: HANDLE,
      height: HANDLE,
    }));
  return [...side(Object.keys(info.inputs), 'target'), ...side(Object.keys(info.outputs), 'source')];
}

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
    const info = catalog.infoFor(n);
    const rows = info ? Math.max(Object.keys(info.inputs).length, Object.keys(info.outputs).length) : 1;
    const base = { id: n.id, type: 'workbench' as const, position: n.position, data: { node: n }, selected };
    const out: WorkbenchFlowNode = size
      ? { ...base, measured: size }
      : { ...base, initialWidth: NODE_WIDTH, initialHeight: estimatedHeight(rows), handles: info && estimatedHandles(info) };
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
