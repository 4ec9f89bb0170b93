// Fit the graph in view from the nodes' known or estimated sizes. React Flow's own fitView waits
// until every node has been measured, which never happens for nodes it has not rendered (only
// visible nodes are rendered, for speed), so fitting goes by bounds instead.
import { getNodesBounds, type ReactFlowInstance, type Rect } from '@xyflow/react';

export const FIT_PADDING = 0.15;

/** The smallest zoom at which a node's title, pictures and figures can be read (13 px text
 * draws at 10 px). Below it the canvas draws lighter nodes meant for large graphs. */
export const READABLE_ZOOM = 0.75;
/** Graphs up to this many nodes open readable (a part in view); larger ones open whole. */
export const READABLE_NODES = 60;

type Flow = Pick<ReactFlowInstance, 'getNodes' | 'fitBounds' | 'setViewport'>;

export function fitAll(rf: Pick<ReactFlowInstance, 'getNodes' | 'fitBounds'>, duration = 0) {
  const nodes = rf.getNodes();
  if (!nodes.length) return;
  void rf.fitBounds(getNodesBounds(nodes), { padding: FIT_PADDING, duration });
}

/** The view a graph opens in: the whole graph when it fits at a readable zoom (or is too large
 * to read anyway); otherwise a readable zoom with the graph's start (its top left, where the
 * sources are) in view. Pure, so it is tested without a browser. */
export function openingView(bounds: Rect, view: { width: number; height: number }, nodeCount: number) {
  const pad = FIT_PADDING / 2;
  const fit = Math.min((view.width * (1 - 2 * pad)) / bounds.width, (view.height * (1 - 2 * pad)) / bounds.height);
  const zoom = Math.min(1, fit);
  if (zoom >= READABLE_ZOOM || nodeCount > READABLE_NODES) {
    // Centred, as fitBounds would place it.
    return { zoom, x: view.width / 2 - (bounds.x + bounds.width / 2) * zoom, y: view.height / 2 - (bounds.y + bounds.height / 2) * zoom, whole: true };
  }
  const margin = 24;
  const tall = bounds.height * READABLE_ZOOM + 2 * margin > view.height;
  return {
    zoom: READABLE_ZOOM,
    x: margin - bounds.x * READABLE_ZOOM,
    // A graph shorter than the view is centred in height; a taller one starts at its top.
    y: tall ? margin - bounds.y * READABLE_ZOOM : view.height / 2 - (bounds.y + bounds.height / 2) * READABLE_ZOOM,
    whole: false,
  };
}

/** Show a newly opened graph in its opening view. */
export function openView(rf: Flow, view: { width: number; height: number }) {
  const nodes = rf.getNodes();
  // An empty graph starts at full size, whatever the last one was zoomed to.
  if (!nodes.length) return void rf.setViewport({ x: 0, y: 0, zoom: 1 });
  const opening = openingView(getNodesBounds(nodes), view, nodes.filter((n) => n.type !== 'frame').length);
  if (opening.whole) return fitAll(rf);
  void rf.setViewport({ x: opening.x, y: opening.y, zoom: opening.zoom });
}
