// A batch is one graph fanned out over parameter values. `--each` axes advance together (the
// i-th value of every axis makes graph i: concepts with their prompts); `--grid` axes multiply
// (every combination). Pure: values are already expanded (a files glob by the CLI).
import type { GraphDoc } from '../document/schema.ts';
import type { ValidationError } from '../document/errors.ts';

export interface Axis {
  nodeId: string;
  param: string;
  values: AxisValue[];
}

export interface AxisValue {
  value: unknown;
  /** How the value reads in progress lines and the CSV (a file's path rather than its list). */
  label: string;
}

export interface Assignment {
  nodeId: string;
  param: string;
  value: unknown;
  label: string;
}

export interface Variant {
  index: number;
  assignments: Assignment[];
}

/** Enough for a sweep; past this a typo in a grid is more likely than a wish. */
export const MAX_VARIANTS = 10_000;

export class BatchError extends Error {}

export const axisName = (a: { nodeId: string; param: string }) => `${a.nodeId}.${a.param}`;

export function expandVariants(each: readonly Axis[], grid: readonly Axis[]): Variant[] {
  for (const a of [...each, ...grid]) if (!a.values.length) throw new BatchError(`${axisName(a)} has no values`);
  const names = [...each, ...grid].map(axisName);
  const twice = names.find((n, i) => names.indexOf(n) !== i);
  if (twice) throw new BatchError(`${twice} is given twice`);
  const length = each[0]?.values.length ?? 1;
  const odd = each.find((a) => a.values.length !== length);
  if (odd) throw new BatchError(`--each axes go together and need as many values each: ${axisName(each[0])} has ${length}, ${axisName(odd)} has ${odd.values.length}`);
  const total = grid.reduce((n, a) => n * a.values.length, length);
  if (total > MAX_VARIANTS) throw new BatchError(`the batch would have ${total} graphs, the limit is ${MAX_VARIANTS}`);

  const variants: Variant[] = [];
  for (let i = 0; i < length; i++) {
    const base = each.map((a) => ({ nodeId: a.nodeId, param: a.param, ...a.values[i] }));
    let combos: Assignment[][] = [base];
    for (const a of grid) combos = combos.flatMap((c) => a.values.map((v) => [...c, { nodeId: a.nodeId, param: a.param, ...v }]));
    for (const c of combos) variants.push({ index: variants.length, assignments: c });
  }
  return variants;
}

/** The graph with one variant's values set, or errors naming what does not exist. */
export function applyVariant(doc: GraphDoc, variant: Variant): { doc: GraphDoc; errors: ValidationError[] } {
  const errors: ValidationError[] = [];
  const nodes = doc.nodes.map((n) => ({ ...n, params: { ...n.params } }));
  for (const a of variant.assignments) {
    const node = nodes.find((n) => n.id === a.nodeId);
    if (!node) errors.push({ code: 'unknown-node', nodeId: a.nodeId, field: `params.${a.param}`, message: 'the batch names a node that is not in the graph' });
    else node.params[a.param] = a.value as never;
  }
  return { doc: { ...doc, nodes }, errors };
}

/** Values written on the command line: a JSON array, else a comma-separated list whose items
 * are JSON when they parse as JSON (numbers, booleans), else text. */
export function parseValueList(text: string): AxisValue[] {
  const trimmed = text.trim();
  if (trimmed.startsWith('[')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(trimmed);
    } catch (e) {
      throw new BatchError(`"${text}" starts like a JSON array but is not one: ${(e as Error).message}`);
    }
    if (!Array.isArray(parsed)) throw new BatchError(`"${text}" is not a JSON array`);
    return parsed.map((value) => ({ value, label: typeof value === 'string' ? value : JSON.stringify(value) }));
  }
  return trimmed
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length)
    .map((s) => {
      let value: unknown = s;
      try {
        value = JSON.parse(s);
      } catch {
        // plain text
      }
      return { value, label: s };
    });
}

/** `nodeId.param=values` */
export function parseAxisSpec(text: string, flag: string): { nodeId: string; param: string; values: string } {
  const m = /^([^.=]+)\.([^=]+)=(.*)$/s.exec(text);
  if (!m) throw new BatchError(`${flag} expects <nodeId>.<param>=<values>, got "${text}"`);
  return { nodeId: m[1], param: m[2], values: m[3] };
}

/** A files glob, unless it reads as a JSON array (`[1, 2]`). */
export const isGlob = (text: string) => {
  if (text.trim().startsWith('[')) {
    try {
      if (Array.isArray(JSON.parse(text))) return false;
    } catch {
      // a glob such as [ab]*.png
    }
  }
  return /[*?[\]{}]/.test(text);
};
