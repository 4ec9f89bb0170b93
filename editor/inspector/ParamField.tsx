// One generated form row. Typing keeps a draft until it parses, so "0." or "-" never reaches
// the document; each focus of a field is one undo step however many keys are pressed.
import { useEffect, useRef, useState } from 'react';
import type { Field } from './param-fields.ts';

let focusSession = 0;

export interface ParamFieldProps {
  field: Field & { label: string; required: boolean };
  value: unknown;
  problem?: string;
  onChange(value: unknown, key: string): void;
}

export function ParamField({ field, value, problem, onChange }: ParamFieldProps) {
  const session = useRef(0);
  const key = () => `param:${field.name}:${session.current}`;
  const set = (v: unknown) => onChange(v, key());
  const current = value ?? field.default;
  const focus = { onFocus: () => (session.current = ++focusSession) };
  return (
    <label className={`field${problem ? ' invalid' : ''}`} data-testid={`field-${field.name}`}>
      <span className="field-label">
        {field.label}
        {field.required && <span className="required" title="required"> *</span>}
      </span>
      <Control field={field} value={current} set={set} focus={focus} />
      {problem && <span className="field-problem" data-testid="field-problem">{problem}</span>}
    </label>
  );
}

type Focus = { onFocus(): void };

function Control({ field, value, set, focus }: { field: ParamFieldProps['field']; value: unknown; set(v: unknown): void; focus: Focus }) {
  switch (field.control) {
    case 'slider':
      return (
        <div className="slider-row">
          <input type="range" min={field.min} max={field.max} step={field.step} value={Number(value ?? field.min)} {...focus} onChange={(e) => set(Number(e.target.value))} />
          <NumberBox value={value} integer={field.integer} min={field.min} max={field.max} set={set} focus={focus} />
        </div>
      );
    case 'number':
      return <NumberBox value={value} integer={field.integer} min={field.min} max={field.max} set={set} focus={focus} />;
    case 'seed':
      return (
        <div className="slider-row">
          <NumberBox value={value} integer min={field.min} max={field.max} set={set} focus={focus} />
          <button
            type="button"
            className="mini"
            title="Random seed"
            data-testid="randomize-seed"
            onClick={() => {
              focus.onFocus();
              set(Math.floor(Math.random() * (Math.min(field.max, 0xffffffff) - field.min + 1)) + field.min);
            }}
          >
            🎲
          </button>
        </div>
      );
    case 'choice':
      return (
        <select value={String(value ?? '')} {...focus} onChange={(e) => set(field.options.find((o) => String(o) === e.target.value))}>
          {value === undefined && <option value="">choose…</option>}
          {field.options.map((o) => (
            <option key={String(o)} value={String(o)}>
              {String(o)}
            </option>
          ))}
        </select>
      );
    case 'switch':
      return <input type="checkbox" checked={Boolean(value)} {...focus} onChange={(e) => set(e.target.checked)} />;
    case 'text':
      return field.multiline ? (
        <textarea rows={3} value={String(value ?? '')} {...focus} onChange={(e) => set(e.target.value)} />
      ) : (
        <input type="text" value={String(value ?? '')} {...focus} onChange={(e) => set(e.target.value)} />
      );
    case 'list':
      return <ListBox value={Array.isArray(value) ? (value as string[]) : []} set={set} focus={focus} />;
    case 'json':
      return <JsonBox value={value} set={set} focus={focus} />;
  }
}

function NumberBox({ value, integer, min, max, set, focus }: { value: unknown; integer: boolean; min?: number; max?: number; set(v: unknown): void; focus: Focus }) {
  const [draft, setDraft] = useState(value === undefined ? '' : String(value));
  const editing = useRef(false);
  useEffect(() => {
    if (!editing.current) setDraft(value === undefined ? '' : String(value));
  }, [value]);
  const bad = draft.trim() !== '' && (!Number.isFinite(Number(draft)) || (integer && !Number.isInteger(Number(draft))));
  return (
    <input
      type="text"
      inputMode={integer ? 'numeric' : 'decimal'}
      className={`number${bad ? ' bad' : ''}`}
      value={draft}
      title={[min !== undefined && `min ${min}`, max !== undefined && max < Number.MAX_SAFE_INTEGER && `max ${max}`].filter(Boolean).join(', ')}
      onFocus={() => {
        editing.current = true;
        focus.onFocus();
      }}
      onBlur={() => {
        editing.current = false;
        setDraft(value === undefined ? '' : String(value));
      }}
      onChange={(e) => {
        setDraft(e.target.value);
        const t = e.target.value.trim();
        if (t === '') return set(undefined);
        const n = Number(t);
        if (Number.isFinite(n)) set(n);
      }}
    />
  );
}

function ListBox({ value, set, focus }: { value: string[]; set(v: unknown): void; focus: Focus }) {
  const [draft, setDraft] = useState(value.join('\n'));
  useEffect(() => setDraft((d) => (d.split('\n').filter(Boolean).join('\n') === value.join('\n') ? d : value.join('\n'))), [value]);
  return (
    <textarea
      rows={Math.min(6, Math.max(2, value.length))}
      value={draft.length > 4000 ? `${value.length} items (long data URLs hidden)` : draft}
      readOnly={draft.length > 4000}
      placeholder="one per line"
      {...focus}
      onChange={(e) => {
        setDraft(e.target.value);
        set(e.target.value.split('\n').map((s) => s.trim()).filter(Boolean));
      }}
    />
  );
}

function JsonBox({ value, set, focus }: { value: unknown; set(v: unknown): void; focus: Focus }) {
  const [draft, setDraft] = useState(JSON.stringify(value ?? null));
  return (
    <textarea
      rows={3}
      value={draft}
      {...focus}
      onChange={(e) => {
        setDraft(e.target.value);
        try {
          set(JSON.parse(e.target.value));
        } catch {
          // Not JSON yet; the draft stays in the box until it is.
        }
      }}
    />
  );
}
