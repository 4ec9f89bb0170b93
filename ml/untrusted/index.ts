// Limits and checks for untrusted input, shared by every layer.
export { formatBytes, LIMITS, LimitError, type ByteLimit, type LimitName } from './limits.ts';
export { checkJsonDepth, jsonDepth } from './json-depth.ts';
export { checkElementCount } from './elements.ts';
