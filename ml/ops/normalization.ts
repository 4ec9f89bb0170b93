import type { OpDef } from './types.ts';

export const normalization: Record<string, OpDef> = {};
