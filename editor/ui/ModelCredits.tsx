// The About panel's model credits, from the packs' own manifests.
import { useEffect, useState } from 'react';
import { useWorkbench } from '../workbench.ts';
import { loadCredits, packPaths, type PackCredit } from './model-credits.ts';

export function ModelCredits() {
  const wb = useWorkbench();
  const [credits, setCredits] = useState<PackCredit[] | undefined>();
  useEffect(() => {
    let live = true;
    void loadCredits(packPaths(wb.catalog, wb.doc.getState().doc)).then((c) => live && setCredits(c));
    return () => {
      live = false;
    };
  }, [wb]);
  if (!credits) return <p className="muted">Reading the model packs…</p>;
  if (!credits.length) return <p className="muted">No model pack is installed yet.</p>;
  return (
    <ul data-testid="model-credits">
      {credits.map((c) => (
        <li key={c.path}>
          <strong>{c.name}</strong> (weights {c.license.weights}){c.description ? `: ${c.description}` : ''} {c.license.attribution}
        </li>
      ))}
    </ul>
  );
}
