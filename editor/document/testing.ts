// Small documents for the editor's unit tests, built from the real registry.
import type { GraphDoc } from '../../runtime/index.ts';
import { registry } from '../../nodes/registry.ts';
import { buildCatalog } from '../catalog/node-catalog.ts';
import { edgeId } from './ids.ts';

export const testCatalog = buildCatalog(registry);

type NodeSpec = [id: string, type: string, params?: Record<string, unknown>];
type EdgeSpec = [source: string, sourceHandle: string, target: string, targetHandle: string];

export function doc(nodes: NodeSpec[], edges: EdgeSpec[] = []): GraphDoc {
  return {
    version: 2,
    nodes: nodes.map(([id, type, params], i) => ({ id, type, params: (params ?? {}) as GraphDoc['nodes'][number]['params'], position: { x: i * 250, y: 0 } })),
    edges: edges.map(([source, sourceHandle, target, targetHandle]) => ({ id: edgeId(source, sourceHandle, target, targetHandle), source, sourceHandle, target, targetHandle })),
  };
}
