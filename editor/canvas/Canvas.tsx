// The canvas: React Flow bound to the stores. Changes from React Flow (drags, selection,
// measured sizes) become document edits or view state; nothing here decides a rule itself.
import {
  Background,
  BackgroundVariant,
  ControlButton,
  Controls,
  MiniMap,
  ReactFlow,
  useReactFlow,
  useStore as useFlowStore,
  type Connection,
  type FinalConnectionState,
} from '@xyflow/react';
import { useCallback, useDeferredValue, useEffect, useMemo, useRef, useState } from 'react';
import { categoryColour } from '../catalog/theme.ts';
import { checkConnection } from '../document/connect-rules.ts';
import { useDoc, useExec, useUi, useWorkbench } from '../workbench.ts';
import { ConnectionLine } from './ConnectionLine.tsx';
import { createFlowMapper, type FlowNode } from './flow-mapping.ts';
import { fitAll, openView } from './fit.ts';
import { MINIMAP, minimapHasRoom } from './minimap-room.ts';
import { FrameNode } from './FrameNode.tsx';
import { LiteNodes } from './lite-detail.ts';
import { useFlowChanges } from './use-flow-changes.ts';
import { WorkbenchNode } from './WorkbenchNode.tsx';

const nodeTypes = { workbench: WorkbenchNode, frame: FrameNode };
export const NODE_DRAG_TYPE = 'application/x-workbench-node';
const SNAP: [number, number] = [16, 16];
// Props kept identical between renders: a new object or function here makes React Flow update
// its store, or the minimap redraw all of its nodes, whenever the canvas renders.
const EDGE_OPTIONS = { interactionWidth: 16 };
const MULTI_SELECT_KEYS = ['Meta', 'Control'];
const MINIMAP_STYLE = { width: MINIMAP.width, height: MINIMAP.height, margin: MINIMAP.margin };
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
  const { onNodesChange, onEdgesChange, onDragStart } = useFlowChanges(wb);
  const detail = useFlowStore((s) => detailAt(s.transform[2]));
  // Nodes turn into blocks at once (cheap) but back into full nodes in a deferred render: that
  // is one render of every node in view, which would otherwise stall a zoom in mid-gesture.
  const tiny = detail.endsWith('tiny');
  const fullAgain = useDeferredValue(!tiny);
  const lite = tiny || !fullAgain;
  const container = useRef<HTMLDivElement>(null);
  // While the view pans, the viewport gets its own compositor layer (a pan then moves pixels
  // instead of repainting every node) and nodes stop taking hit tests. Not while zooming: a
  // layer re-rasterized at every new scale costs more than repainting. Set on the element
  // directly: a React re-render per frame would cost more than it saves.
  const onMoveStart = useCallback((e: MouseEvent | TouchEvent | null) => e?.type !== 'wheel' && container.current?.classList.add('moving'), []);
  const [showMap, setShowMap] = useState(false);
  /** Checked when the view comes to rest or the nodes change, never per frame of a pan. */
  const checkMap = useCallback(() => {
    const box = container.current?.getBoundingClientRect();
    if (!box) return;
    const boxes = rf.getNodes().filter((n) => n.type !== 'frame').map((n) => ({ ...n.position, width: n.measured?.width ?? n.initialWidth ?? 244, height: n.measured?.height ?? n.initialHeight ?? 120 }));
    setShowMap(minimapHasRoom(boxes, rf.getViewport(), box));
  }, [rf]);
  const onMoveEnd = useCallback(() => {
    container.current?.classList.remove('moving');
    checkMap();
  }, [checkMap]);

  useEffect(() => {
    // React Flow's own effects (children's run first) have put the new nodes in its store, so
    // setting the view now lets the nodes render once, in it.
    const box = container.current?.getBoundingClientRect();
    if (fitRequest) openView(rf, { width: box?.width || 800, height: box?.height || 600 });
  }, [fitRequest, rf]);
  // Results make nodes taller, so a new one may reach into the minimap's corner.
  const results = useExec((s) => s.results);
  useEffect(() => {
    const t = setTimeout(checkMap, 250);
    return () => clearTimeout(t);
  }, [checkMap, doc, fitRequest, results]);

  const asWiring = (c: Connection) => ({ source: c.source, sourceHandle: c.sourceHandle ?? '', target: c.target, targetHandle: c.targetHandle ?? '' });
  const isValidConnection = useCallback(
    (c: Connection | { source: string; target: string; sourceHandle?: string | null; targetHandle?: string | null }) =>
      checkConnection(wb.doc.getState().doc, wb.catalog, asWiring(c as Connection)).ok,
    [wb],
  );
  const onConnect = useCallback((c: Connection) => wb.actions.connect(asWiring(c)), [wb]);
  const miniMapColour = useCallback(
    (n: FlowNode) => (n.type === 'frame' ? 'rgba(148,163,184,0.25)' : categoryColour(wb.catalog.get(n.data.node.type)?.category ?? '')),
    [wb],
  );

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
      const info = node && wb.catalog.infoFor(node);
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
    <div ref={container} className={`canvas${detail}`} data-testid="canvas" data-node-count={doc.nodes.length} onDoubleClick={onDoubleClick}>
      <LiteNodes.Provider value={lite}>
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
          minZoom={0.1}
          maxZoom={3}
          deleteKeyCode={null}
          selectionKeyCode="Shift"
          multiSelectionKeyCode={MULTI_SELECT_KEYS}
          zoomOnDoubleClick={false}
          elevateNodesOnSelect={false}
          connectionRadius={28}
          defaultEdgeOptions={EDGE_OPTIONS}
        >
          <Background variant={BackgroundVariant.Dots} gap={16} size={1.2} />
          {showMap && (
            <MiniMap pannable zoomable bgColor="#12151b" maskColor="rgba(8, 10, 14, 0.65)" nodeColor={miniMapColour} style={MINIMAP_STYLE} />
          )}
          <Controls showInteractive={false} showFitView={false}>
            <ControlButton onClick={() => fitAll(rf, 200)} title="Fit the graph in view (F)" aria-label="fit view">
              ⤢
            </ControlButton>
          </Controls>
        </ReactFlow>
      </LiteNodes.Provider>
    </div>
  );
}
