// The text-like inputs of a generated form: numbers kept as drafts until they parse, string
// lists one per line (pictures as chips), and raw JSON for shapes no other control fits.
import { useEffect, useRef, useState } from 'react';

export type Focus = { onFocus(): void };

export function NumberBox({ value, integer, min, max, set, focus }: { value: unknown; integer: boolean; min?: number; max?: number; set(v: unknown): void; focus: Focus }) {
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

/** A list of strings, one per line. Pictures dropped on the canvas are data: URLs far too long
 * to edit as text, so they show as chips that can be removed, and only the other lines are typed. */
export function ListBox({ value, set, focus }: { value: string[]; set(v: unknown): void; focus: Focus }) {
  const embedded = value.filter((v) => v.startsWith('data:'));
  const typed = value.filter((v) => !v.startsWith('data:'));
  const [draft, setDraft] = useState(typed.join('\n'));
  useEffect(() => setDraft((d) => (d.split('\n').map((x) => x.trim()).filter(Boolean).join('\n') === typed.join('\n') ? d : typed.join('\n'))), [typed.join('\n')]);
  return (
    <div className="list-box">
      {embedded.length > 0 && (
        <ul className="chips">
          {embedded.map((url, i) => (
            <li key={i} className="chip" title={url.slice(0, 40)}>
              picture {i + 1} · {Math.round((url.length * 3) / 4 / 1024)} KB
              <button
                type="button"
                className="link"
                aria-label={`remove picture ${i + 1}`}
                onClick={() => {
                  focus.onFocus();
                  set([...embedded.filter((_, k) => k !== i), ...typed]);
                }}
              >
                ×
              </button>
            </li>
          ))}
        </ul>
      )}
      <textarea
        rows={Math.min(6, Math.max(2, typed.length))}
        value={draft}
        placeholder="one path or URL per line"
        {...focus}
        onChange={(e) => {
          setDraft(e.target.value);
          set([...embedded, ...e.target.value.split('\n').map((s) => s.trim()).filter(Boolean)]);
        }}
      />
    </div>
  );
}

export function JsonBox({ value, set, focus }: { value: unknown; set(v: unknown): void; focus: Focus }) {
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
