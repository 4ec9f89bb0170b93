// What React Flow reports (drags, selection, measured sizes) turned into document edits and view
// state. A drag is one undo step: every move of one drag shares a coalescing key.
import type { EdgeChange, NodeChange } from '@xyflow/react';
import { useCallback, useRef } from 'react';
import { moveGroup, moveNodes } from '../document/edits.ts';
import { groupContains, groupsOf } from '../document/groups.ts';
import type { Workbench } from '../workbench.ts';
import type { FlowNode } from './flow-mapping.ts';

export function useFlowChanges(wb: Workbench) {
  const drag = useRef({ seq: 0, members: new Map<string, string[]>() });

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

  return { onNodesChange, onEdgesChange, onDragStart };
}
