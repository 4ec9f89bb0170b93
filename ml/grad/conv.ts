import type { GradRule } from './types.ts';

export const convRules: Record<string, GradRule> = {};
