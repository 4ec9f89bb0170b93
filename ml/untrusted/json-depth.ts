// JSON.parse itself copes with any nesting, but everything that walks the result afterwards
// (schema checks, hashing, structured clone) recurses and overflows the stack. So the depth of
// parsed untrusted JSON is checked right after parsing, without recursion.
import { LIMITS, LimitError } from './limits.ts';

/** Depth of nested arrays and objects in a parsed JSON value (a scalar is 0, `[]` is 1). */
export function jsonDepth(value: unknown, stopAt = Infinity): number {
  let max = 0;
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length) {
    const [v, d] = stack.pop()!;
    if (typeof v !== 'object' || v === null) continue;
    const depth = d + 1;
    if (depth > max) max = depth;
    if (max > stopAt) return max;
    for (const child of Array.isArray(v) ? v : Object.values(v)) if (typeof child === 'object' && child !== null) stack.push([child, depth]);
  }
  return max;
}

/** Throws a LimitError naming `what` when a parsed JSON value nests deeper than LIMITS.jsonDepth. */
export function checkJsonDepth(value: unknown, what: string): void {
  if (jsonDepth(value, LIMITS.jsonDepth) > LIMITS.jsonDepth) throw new LimitError('jsonDepth', `${what} nests arrays and objects more than ${LIMITS.jsonDepth} levels deep`);
}
