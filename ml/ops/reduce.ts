import type { OpDef } from './types.ts';

export const reduce: Record<string, OpDef> = {};
