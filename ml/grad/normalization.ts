import type { GradRule } from './types.ts';

export const normalizationRules: Record<string, GradRule> = {};
