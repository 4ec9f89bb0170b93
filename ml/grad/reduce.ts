import type { GradRule } from './types.ts';

export const reduceRules: Record<string, GradRule> = {};
