import type { GradRule } from './types.ts';

export const shapeRules: Record<string, GradRule> = {};
