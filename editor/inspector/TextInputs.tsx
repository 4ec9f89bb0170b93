// The text-like inputs of a generated form: numbers kept as drafts until they parse, string
// lists one per line (pictures as chips), and raw JSON for shapes no other control fits.
import { useEffect, useRef, useState } from 'react';
import { pictureName, readDroppedFiles } from '../files/drop.ts';

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
export function ListBox({ value, accept, set, focus }: { value: string[]; accept?: string; set(v: unknown): void; focus: Focus }) {
  const embedded = value.filter((v) => v.startsWith('data:'));
  const typed = value.filter((v) => !v.startsWith('data:'));
  const [draft, setDraft] = useState(typed.join('\n'));
  const [problem, setProblem] = useState<string>();
  const picker = useRef<HTMLInputElement>(null);
  const pick = async (files: File[]) => {
    const read = await readDroppedFiles(files);
    setProblem(read.errors.join('; ') || undefined);
    if (!read.images.length) return;
    focus.onFocus();
    set([...embedded, ...read.images, ...typed]);
  };
  useEffect(() => setDraft((d) => (d.split('\n').map((x) => x.trim()).filter(Boolean).join('\n') === typed.join('\n') ? d : typed.join('\n'))), [typed.join('\n')]);
  return (
    <div className="list-box">
      {embedded.length > 0 && (
        <ul className="chips">
          {embedded.map((url, i) => (
            <li key={i} className="chip" title={pictureName(url) ?? url.slice(0, 40)} data-testid="picture-chip">
              {pictureName(url) ?? `picture ${i + 1}`} · {Math.round((url.length * 3) / 4 / 1024)} KB
              <button
                type="button"
                className="link"
                aria-label={`remove ${pictureName(url) ?? `picture ${i + 1}`}`}
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
      {accept && (
        <>
          <button type="button" className="mini pick" onClick={() => picker.current?.click()} data-testid="pick-files">
            Add pictures…
          </button>
          <input
            ref={picker}
            type="file"
            accept={accept}
            multiple
            hidden
            data-testid="pick-files-input"
            onChange={(e) => {
              const files = [...(e.target.files ?? [])];
              e.target.value = '';
              if (files.length) void pick(files);
            }}
          />
          {problem && <span className="field-problem">{problem}</span>}
        </>
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
