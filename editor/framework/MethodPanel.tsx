// For learners: the method the whole graph implements, the three choices that make it, and
// where each node sits among them.
import { useMemo } from 'react';
import { useDoc, useWorkbench } from '../workbench.ts';
import { readMethod } from './read-method.ts';

const CHOICES = [
  ['space', 'Inversion space', 'where the concept is stored'],
  ['method', 'Inversion method', 'how it gets there'],
  ['scheme', 'Personalization scheme', 'how it is used'],
] as const;

export function MethodPanel() {
  const wb = useWorkbench();
  const doc = useDoc((s) => s.doc);
  const reading = useMemo(() => readMethod(doc, wb.catalog), [doc, wb]);
  return (
    <div className="method" data-testid="method-panel">
      <p className="eyebrow">This graph implements</p>
      <h2 data-testid="method-name">{reading.name}</h2>
      <p>{reading.summary}</p>
      {reading.reference && <p className="muted">{reading.reference}</p>}
      <dl className="choices">
        {CHOICES.map(([key, title, what]) => (
          <div key={key} className={`choice choice-${key}`}>
            <dt>
              {title} <small>{what}</small>
            </dt>
            <dd>{reading.choices[key].length ? reading.choices[key].map((c) => <span key={c} className={`tag tag-${key}`}>{c}</span>) : <span className="muted">not chosen</span>}</dd>
          </div>
        ))}
      </dl>
      {reading.placements.length > 0 && (
        <>
          <h3>Nodes that make a choice</h3>
          <table className="placements">
            <tbody>
              {reading.placements.map((p) => (
                <tr key={p.nodeId}>
                  <th>{p.title}</th>
                  <td>{[p.space && `space ${p.space}`, p.method && `method ${p.method}`, p.scheme && `scheme ${p.scheme}`].filter(Boolean).join(' · ')}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
      <p className="muted small">
        The framework follows the survey “Personalized image generation with deep generative models: a decade survey” (Computational Visual Media, 2025):
        every method is a choice of space, method and scheme, so swapping one node turns one method into another. Optimization reconstructs best but is
        slow; encoders are near-instant but less faithful; hybrids sit between.
      </p>
    </div>
  );
}
