// Untrusted input to a current-version document: size limit, JSON, known version, migrations,
// shape. Structural and type checks against the registry come after, in validate.ts.
import type { z } from 'zod';
import { formatBytes, LIMITS } from '../../ml/untrusted/limits.ts';
import { jsonDepth } from '../../ml/untrusted/json-depth.ts';
import type { ValidationError } from './errors.ts';
import { migrate } from './migrations.ts';
import { CURRENT_VERSION, GraphDocSchema, type GraphDoc } from './schema.ts';

/** Graphs are small; anything larger is a mistake or an attack on the parser. */
export const MAX_GRAPH_BYTES = LIMITS.graphBytes;

export type ParseResult = { ok: true; doc: GraphDoc; migratedFrom?: number } | { ok: false; errors: ValidationError[] };

const fail = (error: ValidationError): ParseResult => ({ ok: false, errors: [error] });

export function parseGraphText(text: string, maxBytes = MAX_GRAPH_BYTES): ParseResult {
  // Length in UTF-16 units bounds UTF-8 bytes from below, so check it before encoding.
  const bytes = text.length > maxBytes ? text.length : new TextEncoder().encode(text).byteLength;
  if (bytes > maxBytes)
    return fail({ code: 'too-large', message: `graph file is ${formatBytes(bytes)}, more than ${formatBytes(maxBytes)} (limit graphBytes = ${maxBytes.toLocaleString('en-US')})` });
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    return fail({ code: 'not-json', message: `not a JSON graph: ${(e as Error).message}` });
  }
  return parseGraphJson(json);
}

export function parseGraphJson(json: unknown): ParseResult {
  if (typeof json !== 'object' || json === null || Array.isArray(json))
    return fail({ code: 'bad-shape', field: 'version', message: 'a graph is a JSON object with version, nodes and edges' });
  // Checking, migrating, hashing and cloning a document all walk it recursively.
  if (jsonDepth(json, LIMITS.jsonDepth) > LIMITS.jsonDepth)
    return fail({ code: 'too-large', message: `the graph nests arrays and objects more than ${LIMITS.jsonDepth} levels deep (limit jsonDepth)` });
  const version = (json as Record<string, unknown>).version;
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 1 || version > CURRENT_VERSION)
    return fail({
      code: 'unknown-version',
      field: 'version',
      message: `unknown schema version ${JSON.stringify(version)}; this build reads versions 1 to ${CURRENT_VERSION}`,
    });
  const upgraded = migrate(json as Record<string, unknown>, version, CURRENT_VERSION);
  const parsed = GraphDocSchema.safeParse(upgraded);
  if (!parsed.success) return { ok: false, errors: shapeErrors(parsed.error, upgraded) };
  return version === CURRENT_VERSION ? { ok: true, doc: parsed.data } : { ok: true, doc: parsed.data, migratedFrom: version };
}

/** zod issues as errors naming the node or edge (by id when it has one) and the field. */
function shapeErrors(error: z.ZodError, doc: Record<string, unknown>): ValidationError[] {
  return error.issues.map((issue) => {
    const [list, index, ...rest] = issue.path;
    const item = (list === 'nodes' || list === 'edges') && typeof index === 'number' ? (doc[list] as unknown[])[index] : undefined;
    const id = typeof item === 'object' && item !== null && typeof (item as { id?: unknown }).id === 'string' ? (item as { id: string }).id : undefined;
    const e: ValidationError = { code: 'bad-shape', field: (item ? rest : issue.path).join('.') || undefined, message: issue.message };
    if (list === 'nodes' && item) e.nodeId = id ?? `#${String(index)}`;
    if (list === 'edges' && item) e.edgeId = id ?? `#${String(index)}`;
    return e;
  });
}
