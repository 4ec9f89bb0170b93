// Every operator the engine can build, infer and serialize, gathered from the group files.
import { conv } from './conv.ts';
import { elementwise } from './elementwise.ts';
import { linalg } from './linalg.ts';
import { normalization } from './normalization.ts';
import { reduce } from './reduce.ts';
import { shapeOps } from './shape.ts';
import type { OpDef } from './types.ts';
import { zoo } from './zoo.ts';

const OPS: Record<string, OpDef> = { ...elementwise, ...linalg, ...conv, ...normalization, ...reduce, ...shapeOps, ...zoo };

export function findOp(op: string): OpDef | undefined {
  return Object.hasOwn(OPS, op) ? OPS[op] : undefined;
}

export function getOp(op: string): OpDef {
  const def = findOp(op);
  if (!def) throw new Error(`operator ${op} is not supported by the engine`);
  return def;
}

export const supportedOps = () => Object.keys(OPS).sort();
