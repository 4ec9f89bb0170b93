// The canvas: React Flow bound to the stores. Changes from React Flow (drags, selection,
// measured sizes) become document edits or view state; nothing here decides a rule itself.
import {
  Background,
  BackgroundVariant,
  Controls,
  MiniMap,
  ReactFlow,
  useReactFlow,
  useStore as useFlowStore,
  type Connection,
  type EdgeChange,
  type FinalConnectionState,
  type NodeChange,
} from '@xyflow/react';
import { useCallback, useEffect, useMemo, useRef } from 'react';
import { categoryColour } from '../catalog/theme.ts';
import { checkConnection } from '../document/connect-rules.ts';
import { moveGroup, moveNodes } from '../document/edits.ts';
import { groupContains, groupsOf } from '../document/groups.ts';
import { useDoc, useUi, useWorkbench } from '../workbench.ts';
import { ConnectionLine } from './ConnectionLine.tsx';
import { createFlowMapper, type FlowNode } from './flow-mapping.ts';
import { FrameNode } from './FrameNode.tsx';
import { WorkbenchNode } from './WorkbenchNode.tsx';

const nodeTypes = { workbench: WorkbenchNode, frame: FrameNode };
export const NODE_DRAG_TYPE = 'application/x-workbench-node';
const SNAP: [number, number] = [16, 16];
/** Levels of detail: below 0.5 port labels are too small to read and are dropped with the
 * shadows and the grid dots; below 0.25 no text is readable and nodes become coloured blocks.
 * Software-rendered browsers then repaint a 300-node view fast enough to pan and zoom. */
const detailAt = (zoom: number) => (zoom < 0.25 ? ' far tiny' : zoom < 0.5 ? ' far' : '');

export function Canvas() {
  const wb = useWorkbench();
  const rf = useReactFlow();
  const doc = useDoc((s) => s.doc);
  const selection = useUi((s) => s.selection);
  const snap = useUi((s) => s.snap);
  const fitRequest = useUi((s) => s.fitRequest);
  const mapper = useMemo(() => createFlowMapper(wb.catalog), [wb]);
  // Measured sizes are read when nodes are mapped for another reason, never a reason to map
  // again: new node objects would make React Flow re-render all of them a second time.
  const { nodes, edges } = useMemo(() => mapper(doc, selection, wb.measured), [mapper, doc, selection, wb]);
  const drag = useRef({ seq: 0, members: new Map<string, string[]>() });
  const detail = useFlowStore((s) => detailAt(s.transform[2]));
  const container = useRef<HTMLDivElement>(null);
  // While the view pans, the viewport gets its own compositor layer (a pan then moves pixels
  // instead of repainting every node) and nodes stop taking hit tests. Not while zooming: a
  // layer re-rasterized at every new scale costs more than repainting. Set on the element
  // directly: a React re-render per frame would cost more than it saves.
  const onMoveStart = useCallback((e: MouseEvent | TouchEvent | null) => e?.type !== 'wheel' && container.current?.classList.add('moving'), []);
  const onMoveEnd = useCallback(() => container.current?.classList.remove('moving'), []);

  useEffect(() => {
    if (fitRequest) requestAnimationFrame(() => void rf.fitView({ padding: 0.15 }));
  }, [fitRequest, rf]);

  const onNodesChange = useCallback(
    (changes: NodeChange<FlowNode>[]) => {
      const positions: Record<string, { x: number; y: number }> = {};
      let sel: { nodes: Set<string>; groups: Set<string> } | undefined;
      const groups = new Set(groupsOf(wb.doc.getState().doc).map((g) => g.id));
      for (const c of changes) {
        if (c.type === 'position' && c.position) {
          if (groups.has(c.id)) wb.doc.getState().edit('Move group', moveGroup(c.id, c.position, drag.current.members.get(c.id) ?? []), `move:${drag.current.seq}`);
          else positions[c.id] = c.position;
        } else if (c.type === 'select') {
          const s = wb.ui.getState().selection;
          sel ??= { nodes: new Set(s.nodes), groups: new Set(s.groups) };
          const set = groups.has(c.id) ? sel.groups : sel.nodes;
          if (c.selected) set.add(c.id);
          else set.delete(c.id);
        } else if (c.type === 'dimensions' && c.dimensions && !groups.has(c.id)) {
          wb.measured.set(c.id, c.dimensions);
        }
      }
      if (Object.keys(positions).length) wb.doc.getState().edit('Move', moveNodes(positions), `move:${drag.current.seq}`);
      if (sel) wb.ui.setState((s) => ({ selection: { ...s.selection, nodes: [...sel.nodes], groups: [...sel.groups] } }));
    },
    [wb],
  );

  const onEdgesChange = useCallback(
    (changes: EdgeChange[]) => {
      const s = wb.ui.getState().selection;
      const edges = new Set(s.edges);
      let changed = false;
      for (const c of changes)
        if (c.type === 'select') {
          changed = true;
          if (c.selected) edges.add(c.id);
          else edges.delete(c.id);
        }
      if (changed) wb.ui.setState({ selection: { ...s, edges: [...edges] } });
    },
    [wb],
  );

  /** A drag is one undo step; a moved group takes along the nodes it framed when it began. */
  const onDragStart = useCallback(() => {
    drag.current.seq++;
    drag.current.members.clear();
    const d = wb.doc.getState().doc;
    const moving = new Set(wb.ui.getState().selection.nodes);
    for (const g of groupsOf(d)) drag.current.members.set(g.id, d.nodes.filter((n) => !moving.has(n.id) && groupContains(g, n.position)).map((n) => n.id));
  }, [wb]);

  const asWiring = (c: Connection) => ({ source: c.source, sourceHandle: c.sourceHandle ?? '', target: c.target, targetHandle: c.targetHandle ?? '' });
  const isValidConnection = useCallback(
    (c: Connection | { source: string; target: string; sourceHandle?: string | null; targetHandle?: string | null }) =>
      checkConnection(wb.doc.getState().doc, wb.catalog, asWiring(c as Connection)).ok,
    [wb],
  );
  const onConnect = useCallback((c: Connection) => wb.actions.connect(asWiring(c)), [wb]);

  /** Let go over a port that refuses the wire: say why. Over empty canvas: offer the nodes
   * that can take it, and wire the one chosen. */
  const onConnectEnd = useCallback(
    (event: MouseEvent | TouchEvent, state: FinalConnectionState) => {
      if (state.isValid || !state.fromHandle) return;
      const from = state.fromHandle;
      if (state.toHandle && state.toHandle.type !== from.type) {
        const [s, t] = from.type === 'source' ? [from, state.toHandle] : [state.toHandle, from];
        const check = checkConnection(wb.doc.getState().doc, wb.catalog, { source: s.nodeId, sourceHandle: s.id ?? '', target: t.nodeId, targetHandle: t.id ?? '' });
        if (!check.ok) wb.notify(`Wire refused: ${check.reason}`, 'error');
        return;
      }
      if (state.toNode) return;
      const node = wb.doc.getState().doc.nodes.find((n) => n.id === from.nodeId);
      const info = node && wb.catalog.get(node.type);
      const kind = info && (from.type === 'source' ? info.outputs : info.inputs)[from.id ?? '']?.kind;
      if (!kind) return;
      const point = 'changedTouches' in event ? event.changedTouches[0] : event;
      wb.ui.setState({
        palette: {
          screen: { x: point.clientX, y: point.clientY },
          flow: rf.screenToFlowPosition({ x: point.clientX, y: point.clientY }),
          wire: { nodeId: from.nodeId, handle: from.id ?? '', kind, side: from.type === 'source' ? 'input' : 'output' },
        },
      });
    },
    [wb, rf],
  );

  const onDragOver = useCallback((e: React.DragEvent) => {
    e.preventDefault();
    e.dataTransfer.dropEffect = e.dataTransfer.types.includes(NODE_DRAG_TYPE) ? 'move' : 'copy';
  }, []);
  const onDrop = useCallback(
    (e: React.DragEvent) => {
      e.preventDefault();
      const at = rf.screenToFlowPosition({ x: e.clientX, y: e.clientY });
      const type = e.dataTransfer.getData(NODE_DRAG_TYPE);
      if (type) wb.actions.addNode(type, at);
      else if (e.dataTransfer.files.length) void wb.actions.openFiles([...e.dataTransfer.files], at);
    },
    [wb, rf],
  );
  const onDoubleClick = useCallback(
    (e: React.MouseEvent) => {
      if (!(e.target as HTMLElement).classList.contains('react-flow__pane')) return;
      wb.ui.setState({ palette: { screen: { x: e.clientX, y: e.clientY }, flow: rf.screenToFlowPosition({ x: e.clientX, y: e.clientY }) } });
    },
    [wb, rf],
  );

  return (
    <div ref={container} className={`canvas${detail}`} data-testid="canvas" onDoubleClick={onDoubleClick}>
      <ReactFlow<FlowNode>
        nodes={nodes}
        edges={edges}
        nodeTypes={nodeTypes}
        onNodesChange={onNodesChange}
        onEdgesChange={onEdgesChange}
        onNodeDragStart={onDragStart}
        onSelectionDragStart={onDragStart}
        onConnect={onConnect}
        onConnectEnd={onConnectEnd}
        isValidConnection={isValidConnection}
        connectionLineComponent={ConnectionLine}
        onMoveStart={onMoveStart}
        onMoveEnd={onMoveEnd}
        onDrop={onDrop}
        onDragOver={onDragOver}
        onlyRenderVisibleElements
        snapToGrid={snap}
        snapGrid={SNAP}
        fitView
        fitViewOptions={{ padding: 0.15 }}
        minZoom={0.1}
        maxZoom={3}
        deleteKeyCode={null}
        selectionKeyCode="Shift"
        multiSelectionKeyCode={['Meta', 'Control']}
        zoomOnDoubleClick={false}
        elevateNodesOnSelect={false}
        connectionRadius={28}
        defaultEdgeOptions={{ interactionWidth: 16 }}
      >
        <Background variant={BackgroundVariant.Dots} gap={16} size={1.2} />
        <MiniMap pannable zoomable bgColor="#12151b" maskColor="rgba(8, 10, 14, 0.65)" nodeColor={(n) => (n.type === 'frame' ? 'rgba(148,163,184,0.25)' : categoryColour(wb.catalog.get((n.data as { node: { type: string } }).node.type)?.category ?? ''))} />
        <Controls showInteractive={false} />
      </ReactFlow>
    </div>
  );
}
