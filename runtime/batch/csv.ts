// The batch's table: one row per graph with the values that made it, its status, and every
// metric its outputs reported. Pure.
import type { NodeOutputs } from '../values.ts';

/** Every number a run's outputs report, as `nodeId/metric` (metrics) or `nodeId/port` (scalars);
 * the slash keeps them apart from parameter columns (`nodeId.param`). */
export function metricsOf(outputs: ReadonlyMap<string, NodeOutputs>): Record<string, number> {
  const row: Record<string, number> = {};
  for (const [nodeId, out] of outputs)
    for (const [port, value] of Object.entries(out)) {
      if (value.kind === 'metrics') for (const [name, v] of Object.entries(value.values)) row[`${nodeId}/${name}`] = v;
      else if (value.kind === 'scalar') row[`${nodeId}/${port}`] = value.value;
    }
  return row;
}

export function csvCell(v: unknown): string {
  const s = v === undefined || v === null ? '' : typeof v === 'string' ? v : typeof v === 'number' ? String(v) : JSON.stringify(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Columns: the fixed ones, then every other key in order of first appearance. */
export function toCsv(rows: readonly Record<string, unknown>[], fixed: readonly string[]): string {
  const columns = [...fixed];
  for (const r of rows) for (const k of Object.keys(r)) if (!columns.includes(k)) columns.push(k);
  const lines = [columns.map(csvCell).join(',')];
  for (const r of rows) lines.push(columns.map((c) => csvCell(r[c])).join(','));
  return `${lines.join('\n')}\n`;
}
