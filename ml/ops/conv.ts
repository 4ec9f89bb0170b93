import type { OpDef } from './types.ts';

export const conv: Record<string, OpDef> = {};
