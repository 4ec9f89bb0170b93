// A node as the smallest zoom shows it: a block in its category's colour (app.css `.canvas.tiny`
// hides a full node's contents). It has the full node's size and keeps handle anchors where the
// full node's handles sit, so the wires meet it in the same places. A fifth of a full node's
// elements and none of its handle components: what lets a large graph open in one quick render.
import type { NodeInfo } from '../../runtime/index.ts';
import { categoryColour } from '../catalog/theme.ts';
import { estimatedHandles, estimatedHeight } from './flow-mapping.ts';

/** Handle anchors are placed inside the node's border (app.css `.wb-node`), while the
 * estimates, like React Flow's measurements, count from its outer edge. */
const BORDER = 1;

export function LiteNode({ id, type, info, selected, status }: { id: string; type: string; info: NodeInfo; selected: boolean; status?: string }) {
  const rows = Math.max(Object.keys(info.inputs).length, Object.keys(info.outputs).length);
  return (
    <div
      className={`wb-node lite${selected ? ' selected' : ''}${status ? ` status-${status}` : ''}`}
      style={{ '--cat': categoryColour(info.category), height: estimatedHeight(rows) } as React.CSSProperties}
      data-testid={`node-${id}`}
      data-type={type}
      data-status={status ?? 'idle'}
    >
      {/* What React Flow measures a handle by: its side's class, data-handleid, data-handlepos. */}
      {estimatedHandles(info).map((h) => (
        <div
          key={`${h.type}:${h.id}`}
          className={`react-flow__handle ${h.type}`}
          data-handleid={h.id}
          data-nodeid={id}
          data-handlepos={h.position}
          style={{ left: h.x - BORDER, top: h.y - BORDER, width: h.width, height: h.height }}
        />
      ))}
    </div>
  );
}
