// Fit the whole graph in view from the nodes' known or estimated sizes. React Flow's own
// fitView waits until every node has been measured, which never happens for nodes it has not
// rendered (only visible nodes are rendered, for speed), so fitting goes by bounds instead.
import { getNodesBounds, type ReactFlowInstance } from '@xyflow/react';

export const FIT_PADDING = 0.15;

export function fitAll(rf: Pick<ReactFlowInstance, 'getNodes' | 'fitBounds'>, duration = 0) {
  const nodes = rf.getNodes();
  if (!nodes.length) return;
  void rf.fitBounds(getNodesBounds(nodes), { padding: FIT_PADDING, duration });
}
