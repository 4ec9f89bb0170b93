// The registry as plain data, for the editor's palette, parameter forms and wire rules (and for
// anything that cannot hold zod schemas or functions, such as a worker message or a JSON file).
import { z } from 'zod';
import { defaultParams, type AnyNodeDef, type FrameworkTags, type NodeFlags } from './define-node.ts';
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
}

const ports = (m: AnyNodeDef['inputs']) =>
  Object.fromEntries(Object.entries(m).map(([k, p]) => [k, { kind: p.kind, list: p.isList, optional: p.isOptional }]));

export function describeNode(def: AnyNodeDef): NodeInfo {
  return {
    type: def.type,
    version: def.version,
    title: def.title,
    category: def.category,
    description: def.description,
    framework: def.framework,
    inputs: ports(def.inputs),
    outputs: ports(def.outputs),
    params: z.toJSONSchema(def.params, { io: 'input' }),
    defaults: defaultParams(def),
    flags: def.flags,
  };
}

export const catalog = (registry: Registry): NodeInfo[] => registry.list().map(describeNode);
