// For learners: the method the whole graph implements (or the methods it compares), the three
// choices that make it, and where the nodes sit among them.
import { useMemo } from 'react';
import { useDoc, useWorkbench } from '../workbench.ts';
import { readMethod, type Placement } from './read-method.ts';
import { SURVEY } from './survey.ts';

const CHOICES = [
  ['space', 'Inversion space', 'where the concept is stored'],
  ['method', 'Inversion method', 'how it gets there'],
  ['scheme', 'Personalization scheme', 'how it is used'],
] as const;

const tagsOf = (p: Placement) => [p.space && `space ${p.space}`, p.method && `method ${p.method}`, p.scheme && `scheme ${p.scheme}`].filter(Boolean).join(' · ');

/** Nodes of one type making the same choices are one row (three Decoders are "Decoder ×3"). */
function rows(placements: Placement[]) {
  const out = new Map<string, { title: string; tags: string; ids: string[] }>();
  for (const p of placements) {
    const tags = tagsOf(p);
    const key = `${p.title}\n${tags}`;
    const row = out.get(key) ?? { title: p.title, tags, ids: [] };
    row.ids.push(p.nodeId);
    out.set(key, row);
  }
  return [...out.values()];
}

export function MethodPanel() {
  const wb = useWorkbench();
  const doc = useDoc((s) => s.doc);
  const reading = useMemo(() => readMethod(doc, wb.catalog), [doc, wb]);
  return (
    <div className="method" data-testid="method-panel">
      <p className="eyebrow">{reading.branches.length > 1 ? 'This graph compares' : 'This graph implements'}</p>
      <h2 data-testid="method-name">{reading.name}</h2>
      <p>{reading.summary}</p>
      {reading.reference && <p className="muted">{reading.reference}</p>}
      {reading.branches.length > 1 && (
        <ol className="branches" data-testid="method-branches">
          {reading.branches.map((b) => (
            <li key={b.nodeIds.join()}>
              <strong>{b.name}</strong> <span className="muted">({b.nodeIds.join(' → ')})</span>
              <br />
              <span className="tag tag-space">{b.space}</span> <span className="tag tag-method">{b.method}</span>
              {b.reference && <small className="muted"> {b.reference}</small>}
            </li>
          ))}
        </ol>
      )}
      <dl className="choices">
        {CHOICES.map(([key, title, what]) => (
          <div key={key} className={`choice choice-${key}`} data-testid={`choice-${key}`}>
            <dt>
              {title} <small>{what}</small>
            </dt>
            <dd>{reading.choices[key].length ? reading.choices[key].map((c) => <span key={c} className={`tag tag-${key}`}>{c}</span>) : <span className="muted">not chosen</span>}</dd>
          </div>
        ))}
      </dl>
      {reading.placements.length > 0 && (
        <>
          <h3>Nodes that make or use a choice</h3>
          <table className="placements" data-testid="placements">
            <tbody>
              {rows(reading.placements).map((r) => (
                <tr key={`${r.title}\n${r.tags}`} title={r.ids.join(', ')}>
                  <th>
                    {r.title}
                    {r.ids.length > 1 ? ` ×${r.ids.length}` : ''}
                  </th>
                  <td>{r.tags}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
      <p className="muted small">
        The framework follows the survey “{SURVEY.title}” ({SURVEY.authors.join(', ')}; {SURVEY.journal}, {SURVEY.year}): every method is a choice of space, method and
        scheme, so swapping one node turns one method into another. Optimization reconstructs best but is slow; encoders are near-instant but less
        faithful; hybrids sit between.
      </p>
    </div>
  );
}
