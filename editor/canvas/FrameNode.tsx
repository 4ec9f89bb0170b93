// A group on the canvas: a titled, resizable frame. Moving it moves the nodes it holds.
import { NodeResizer, type NodeProps } from '@xyflow/react';
import { memo } from 'react';
import { updateGroup } from '../document/edits.ts';
import { useWorkbench } from '../workbench.ts';
import type { FrameFlowNode } from './flow-mapping.ts';

export const FrameNode = memo(function FrameNode({ id, data, selected }: NodeProps<FrameFlowNode>) {
  const wb = useWorkbench();
  const g = data.group;
  return (
    <div className={`frame${selected ? ' selected' : ''}`} data-testid={`group-${id}`}>
      <NodeResizer
        isVisible={selected}
        minWidth={120}
        minHeight={80}
        onResize={(_, p) => wb.doc.getState().edit('Resize group', updateGroup(id, { x: p.x, y: p.y, width: p.width, height: p.height }), `resize:${id}`)}
      />
      <div className="frame-title">{g.title || 'Group'}</div>
    </div>
  );
});
