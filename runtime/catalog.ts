// The registry as plain data, for the editor's palette, parameter forms and wire rules (and for
// anything that cannot hold zod schemas or functions, such as a worker message or a JSON file).
import { z } from 'zod';
import { defaultParams, type AnyNodeSpec, type FrameworkTags, type NodeFlags } from './define-node.ts';
import { hasDynamicPorts } from './node-ports.ts';
import type { PortKind } from './ports.ts';
import type { Registry } from './registry.ts';

export interface PortInfo {
  kind: PortKind;
  list: boolean;
  optional: boolean;
}

export interface NodeInfo {
  type: string;
  version: number;
  title: string;
  category: string;
  description?: string;
  framework?: FrameworkTags;
  inputs: Record<string, PortInfo>;
  outputs: Record<string, PortInfo>;
  /** JSON Schema of the params (ranges, enums, defaults), from which forms are generated. */
  params: unknown;
  defaults: Record<string, unknown>;
  flags: NodeFlags;
  /** Ports differ from node to node (read them with `portsOf` on the node's params); `inputs`
   * and `outputs` above are then the ports a new node starts with. */
  dynamicPorts?: boolean;
}

export const portInfos = (m: AnyNodeSpec['inputs']): Record<string, PortInfo> =>
  Object.fromEntries(Object.entries(m).map(([k, p]) => [k, { kind: p.kind, list: p.isList, optional: p.isOptional }]));

export function describeNode(def: AnyNodeSpec): NodeInfo {
  const info = {
    type: def.type,
    version: def.version,
    title: def.title,
    category: def.category,
    description: def.description,
    framework: def.framework,
    inputs: portInfos(def.inputs),
    outputs: portInfos(def.outputs),
    defaults: defaultParams(def),
    flags: def.flags,
    dynamicPorts: hasDynamicPorts(def),
  } as NodeInfo;
  // The JSON Schema is made when first read (a parameter form, a JSON copy), not for every node
  // type when the editor starts. Enumerable, so the info still copies and serializes whole.
  let schema: unknown;
  Object.defineProperty(info, 'params', { enumerable: true, get: () => (schema ??= z.toJSONSchema(def.params, { io: 'input' })) });
  return info;
}

export const catalog = (registry: Registry): NodeInfo[] => registry.list().map(describeNode);
