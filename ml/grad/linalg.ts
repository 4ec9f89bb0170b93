import type { GradRule } from './types.ts';

export const linalgRules: Record<string, GradRule> = {};
