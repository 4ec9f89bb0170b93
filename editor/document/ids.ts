// Readable ids (`blend-3`), unique within a document, so saved graphs and error messages that
// name a node stay legible.
import type { GraphDoc } from '../../runtime/index.ts';

export function freshId(taken: ReadonlySet<string>, base: string): string {
  const stem = base.replace(/[^a-z0-9-]+/gi, '-');
  for (let n = 1; ; n++) if (!taken.has(`${stem}-${n}`)) return `${stem}-${n}`;
}

export function takenIds(doc: GraphDoc): Set<string> {
  const groups = ((doc as { groups?: { id?: unknown }[] }).groups ?? []).map((g) => String(g?.id));
  return new Set([...doc.nodes.map((n) => n.id), ...doc.edges.map((e) => e.id), ...groups]);
}

export const edgeId = (source: string, sourceHandle: string, target: string, targetHandle: string) =>
  `${source}.${sourceHandle}->${target}.${targetHandle}`;
