// Gradients of elementwise operators.
import type { GradRule } from './types.ts';
import { div, mul, neg, sumToShape } from './util.ts';

export const elementwiseRules: Record<string, GradRule> = {
  Identity: (c) => [c.dy()],
  Add: (c) => [c.needs(0) ? sumToShape(c.dy()!, c.x(0).shape) : null, c.needs(1) ? sumToShape(c.dy()!, c.x(1).shape) : null],
  Sub: (c) => [c.needs(0) ? sumToShape(c.dy()!, c.x(0).shape) : null, c.needs(1) ? sumToShape(neg(c.dy()!), c.x(1).shape) : null],
  Mul: (c) => [
    c.needs(0) ? sumToShape(mul(c.dy()!, c.x(1)), c.x(0).shape) : null,
    c.needs(1) ? sumToShape(mul(c.dy()!, c.x(0)), c.x(1).shape) : null,
  ],
  Div: (c) => [
    c.needs(0) ? sumToShape(div(c.dy()!, c.x(1)), c.x(0).shape) : null,
    c.needs(1) ? sumToShape(neg(div(mul(c.dy()!, c.y()), c.x(1))), c.x(1).shape) : null,
  ],
  Neg: (c) => [neg(c.dy()!)],
};
