// The node types as the editor sees them: plain metadata from the registry (ports, JSON Schema
// of the params, defaults, framework tags). Built once; nodes added to the registry later
// appear in the palette, the forms and the wire rules with no change here.
import { catalog, portInfos, portsOf, type GraphNode, type NodeInfo, type Registry } from '../../runtime/index.ts';

export interface NodeCatalog {
  get(type: string): NodeInfo | undefined;
  /** The node's type with the ports this node has: its own when they depend on its params
   * (an ONNX Model's file), the type's otherwise. What handles and wire rules read. */
  infoFor(node: Pick<GraphNode, 'type' | 'params'>): NodeInfo | undefined;
  list: readonly NodeInfo[];
  /** Categories in first-seen order, as the palette groups them. */
  categories: readonly string[];
}

export function buildCatalog(registry: Registry): NodeCatalog {
  const list = catalog(registry);
  const byType = new Map(list.map((n) => [n.type, n]));
  const categories = [...new Set(list.map((n) => n.category))];
  // Per params object: a document edit makes new params only for the node it changed.
  const perNode = new WeakMap<object, NodeInfo>();
  const infoFor = (node: Pick<GraphNode, 'type' | 'params'>) => {
    const info = byType.get(node.type);
    if (!info?.dynamicPorts) return info;
    const hit = perNode.get(node.params);
    if (hit) return hit;
    const ports = portsOf(registry.get(node.type)!, node.params);
    const own: NodeInfo = { ...info, inputs: portInfos(ports.inputs), outputs: portInfos(ports.outputs) };
    perNode.set(node.params, own);
    return own;
  };
  return { get: (type) => byType.get(type), infoFor, list, categories };
}
