// The wire being drawn: coloured by the kind it carries; over a port that refuses it, it turns
// red and says why, before the user lets go.
import { getBezierPath, type ConnectionLineComponentProps } from '@xyflow/react';
import { PORT_STYLE } from '../catalog/theme.ts';
import { checkConnection } from '../document/connect-rules.ts';
import { useWorkbench } from '../workbench.ts';

export function ConnectionLine({ fromX, fromY, toX, toY, fromPosition, toPosition, fromHandle, toHandle }: ConnectionLineComponentProps) {
  const wb = useWorkbench();
  const doc = wb.doc.getState().doc;
  const from = doc.nodes.find((n) => n.id === fromHandle.nodeId);
  const fromInfo = from && wb.catalog.infoFor(from);
  const kind = fromInfo && (fromHandle.type === 'source' ? fromInfo.outputs : fromInfo.inputs)[fromHandle.id ?? '']?.kind;
  let reason: string | undefined;
  if (toHandle && toHandle.type !== fromHandle.type) {
    const [s, t] = fromHandle.type === 'source' ? [fromHandle, toHandle] : [toHandle, fromHandle];
    const check = checkConnection(doc, wb.catalog, { source: s.nodeId, sourceHandle: s.id ?? '', target: t.nodeId, targetHandle: t.id ?? '' });
    if (!check.ok) reason = check.reason;
  }
  const [path] = getBezierPath({ sourceX: fromX, sourceY: fromY, sourcePosition: fromPosition, targetX: toX, targetY: toY, targetPosition: toPosition });
  const colour = reason ? '#ef4444' : kind ? PORT_STYLE[kind].colour : '#888';
  return (
    <g>
      <path d={path} fill="none" stroke={colour} strokeWidth={2.5} strokeDasharray={reason ? '6 4' : undefined} />
      {reason && (
        <foreignObject x={toX + 12} y={toY - 14} width={300} height={60} style={{ overflow: 'visible' }}>
          <div className="wire-reason" data-testid="wire-reason">
            {reason}
          </div>
        </foreignObject>
      )}
    </g>
  );
}
