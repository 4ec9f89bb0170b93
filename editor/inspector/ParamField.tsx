// One generated form row. Typing keeps a draft until it parses, so "0." or "-" never reaches
// the document; each focus of a field is one undo step however many keys are pressed.
import { useRef } from 'react';
import { JsonBox, ListBox, NumberBox, type Focus } from './TextInputs.tsx';
import type { Field } from './param-fields.ts';

let focusSession = 0;

export interface ParamFieldProps {
  field: Field & { label: string; required: boolean; help?: string };
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
      {field.help && <small className="field-help">{field.help}</small>}
      {problem && <span className="field-problem" data-testid="field-problem">{problem}</span>}
    </label>
  );
}

/** A die drawn as SVG: an emoji die is an empty box where no emoji font is installed. */
function DieIcon() {
  return (
    <svg width="14" height="14" viewBox="0 0 14 14" aria-hidden="true" data-testid="die-icon">
      <rect x="1" y="1" width="12" height="12" rx="2.5" fill="none" stroke="currentColor" strokeWidth="1.4" />
      {[[4.3, 4.3], [9.7, 9.7], [7, 7], [9.7, 4.3], [4.3, 9.7]].map(([cx, cy]) => (
        <circle key={`${cx},${cy}`} cx={cx} cy={cy} r="1.1" fill="currentColor" />
      ))}
    </svg>
  );
}

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
            aria-label="Random seed"
            data-testid="randomize-seed"
            onClick={() => {
              focus.onFocus();
              set(Math.floor(Math.random() * (Math.min(field.max, 0xffffffff) - field.min + 1)) + field.min);
            }}
          >
            <DieIcon />
          </button>
        </div>
      );
    case 'choice':
      return (
        <select value={String(value ?? '')} {...focus} onChange={(e) => set(field.options.find((o) => String(o) === e.target.value))}>
          {value === undefined && <option value="">choose…</option>}
          {field.options.map((o, i) => (
            <option key={String(o)} value={String(o)}>
              {field.labels?.[i] ?? String(o)}
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
      return <ListBox value={Array.isArray(value) ? (value as string[]) : []} accept={field.accept} set={set} focus={focus} />;
    case 'json':
    // A token mask is edited on its grid (TokenMaskField); as a plain field it is a list of positions.
    case 'token-mask':
      return <JsonBox value={value} set={set} focus={focus} />;
  }
}
