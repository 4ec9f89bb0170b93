import type { OpDef } from './types.ts';

export const linalg: Record<string, OpDef> = {};
