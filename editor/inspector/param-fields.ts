// The parameter form of a node, derived from the JSON Schema of its zod params: which control
// each field gets (slider, number, seed, choice, text, list, switch). Pure, so every node type
// the registry will ever hold gets a form without editor code.

export type Field =
  | { name: string; control: 'slider'; min: number; max: number; step: number; integer: boolean; default?: number }
  | { name: string; control: 'number'; min?: number; max?: number; integer: boolean; default?: number }
  | { name: string; control: 'seed'; min: number; max: number; default?: number }
  | { name: string; control: 'choice'; options: (string | number)[]; /** Shown instead of an option's value, by index. */ labels?: string[]; default?: string | number }
  /** `namesFrom`: a list in another param whose items' names this text may be (the schema's `namesFrom`); see withNames. */
  | { name: string; control: 'text'; multiline: boolean; maxLength?: number; default?: string; namesFrom?: string }
  | { name: string; control: 'list'; default?: string[]; /** File types a picker may add (the schema's `accept`). */ accept?: string }
  | { name: string; control: 'switch'; default?: boolean }
  | { name: string; control: 'json'; default?: unknown }
  /** Positions of the token grid wired into `input`, picked by clicking the grid (the schema's `tokenMask`). */
  | { name: string; control: 'token-mask'; input: string; default?: number[] };

/** When a field means something, as its schema says (`appliesWhen` in the param's `.meta()`):
 * each key is another param, whose value must be one of a list or within a range, or
 * `input:<port>`, which must be wired. Fields that do not apply are hidden from the form. */
export type AppliesWhen = Record<string, readonly (string | number | boolean)[] | { min?: number; max?: number } | 'wired'>;

export interface FieldSet {
  fields: (Field & { required: boolean; label: string; help?: string; appliesWhen?: AppliesWhen })[];
}

type Schema = {
  type?: string | string[];
  enum?: (string | number)[];
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  maxLength?: number;
  default?: unknown;
  items?: Schema;
  title?: string;
  description?: string;
  appliesWhen?: AppliesWhen;
  accept?: string;
  /** Written by the app, not by hand (a model file's recorded ports): no field in the form. */
  readOnly?: boolean;
  tokenMask?: { input: string };
  /** Path of another param (`ports.inputs`) listing `{ name }` items this string names; '' means the first. */
  namesFrom?: string;
  properties?: Record<string, Schema>;
  required?: string[];
};

/** Beyond this many steps a slider is too coarse to be useful; a number box is better. */
const MAX_SLIDER_STEPS = 10_000;

/** `learningRate` → `Learning rate`, `embed_graph` → `Embed graph`. */
export const labelOf = (name: string) => {
  const words = name.replace(/([a-z0-9])([A-Z])/g, '$1 $2').replace(/[_-]+/g, ' ').toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
};

export function fieldFor(name: string, s: Schema): Field {
  const type = Array.isArray(s.type) ? s.type.find((t) => t !== 'null') : s.type;
  if (s.tokenMask && type === 'array') return { name, control: 'token-mask', input: s.tokenMask.input, default: s.default as number[] };
  if (s.enum) return { name, control: 'choice', options: s.enum, default: s.default as string };
  if (type === 'boolean') return { name, control: 'switch', default: s.default as boolean };
  if (type === 'integer' || type === 'number') {
    const integer = type === 'integer';
    const min = s.minimum ?? s.exclusiveMinimum;
    const max = s.maximum ?? s.exclusiveMaximum;
    const d = s.default as number | undefined;
    if (/seed/i.test(name) && integer) return { name, control: 'seed', min: min ?? 0, max: max ?? 0xffffffff, default: d };
    if (min !== undefined && max !== undefined) {
      const step = integer ? 1 : niceStep(max - min);
      if ((max - min) / step <= MAX_SLIDER_STEPS) return { name, control: 'slider', min, max, step, integer, default: d };
    }
    return { name, control: 'number', min, max, integer, default: d };
  }
  if (type === 'string')
    return { name, control: 'text', multiline: (s.maxLength ?? Infinity) > 200, maxLength: s.maxLength, default: s.default as string, ...(s.namesFrom ? { namesFrom: s.namesFrom } : {}) };
  if (type === 'array' && s.items?.type === 'string') return { name, control: 'list', default: s.default as string[], accept: s.accept };
  return { name, control: 'json', default: s.default };
}

/** A step that gives a float slider about a thousand positions, rounded to 1, 2 or 5 × 10^k. */
function niceStep(range: number): number {
  const raw = range / 1000;
  const p = 10 ** Math.floor(Math.log10(raw));
  return [1, 2, 5, 10].map((m) => m * p).find((s) => s >= raw)!;
}

export function fieldsOf(schema: unknown): FieldSet {
  const s = (schema ?? {}) as Schema;
  const required = new Set(s.required ?? []);
  return {
    fields: Object.entries(s.properties ?? {})
      .filter(([, p]) => !p.readOnly)
      .map(([name, p]) => ({
      ...fieldFor(name, p),
      required: required.has(name),
      label: p.title ?? labelOf(name),
      help: p.description,
      appliesWhen: p.appliesWhen,
    })),
  };
}

/**
 * A text field that names an item of a list in another param (an ONNX Model's chosen input among
 * its file's recorded ports) becomes a dropdown of those names once the list is there: '' (the
 * first) and each name, plus the current value if the list no longer has it. Free text while the
 * list is absent.
 */
export function withNames<F extends Field>(field: F, params: Record<string, unknown>): F | (Omit<F, 'control'> & Extract<Field, { control: 'choice' }>) {
  if (field.control !== 'text' || !field.namesFrom) return field;
  let list: unknown = params;
  for (const key of field.namesFrom.split('.')) list = typeof list === 'object' && list !== null ? (list as Record<string, unknown>)[key] : undefined;
  if (!Array.isArray(list)) return field;
  const names = list.map((item) => (item as { name?: unknown })?.name).filter((n): n is string => typeof n === 'string' && n !== '');
  if (!names.length) return field;
  const current = params[field.name];
  const extra = typeof current === 'string' && current !== '' && !names.includes(current) ? [current] : [];
  return {
    ...field,
    control: 'choice',
    options: ['', ...names, ...extra],
    labels: [`the first (${names[0]})`, ...names, ...extra.map((n) => `${n} (not in the file)`)],
    default: field.default ?? '',
  } as Omit<F, 'control'> & Extract<Field, { control: 'choice' }>;
}

/** Whether a field applies, given the node's params (defaults filled in) and its wired inputs. */
export function applies(when: AppliesWhen | undefined, params: Record<string, unknown>, wired: ReadonlySet<string>): boolean {
  if (!when) return true;
  return Object.entries(when).every(([key, rule]) => {
    if (key.startsWith('input:')) return wired.has(key.slice(6));
    const v = params[key];
    if (Array.isArray(rule)) return rule.includes(v as string);
    if (typeof rule === 'object' && rule !== null) {
      const r = rule as { min?: number; max?: number };
      return typeof v === 'number' && (r.min === undefined || v >= r.min) && (r.max === undefined || v <= r.max);
    }
    return true;
  });
}
