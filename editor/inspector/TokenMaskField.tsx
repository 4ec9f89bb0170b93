// A token mask edited on its grid: the grid wired into the node (as its source last made it) is
// drawn in code colours beside its decoded image; clicking a token masks it (grey: it is drawn
// again when the node runs) or keeps it again. Each click is one undo step.
import { toggleMasked } from '../../nodes/image/token-grid.ts';
import { TokenMaskGrid } from '../canvas/TokenGrid.tsx';
import { wiredGrid } from '../exec/token-grids.ts';
import { useDoc, useExec } from '../workbench.ts';
import type { FieldSet } from './param-fields.ts';

type MaskField = Extract<FieldSet['fields'][number], { control: 'token-mask' }>;

let clicks = 0;

export function TokenMaskField({ nodeId, field, value, problem, onChange }: { nodeId: string; field: MaskField; value: unknown; problem?: string; onChange(value: number[], key: string): void }) {
  const doc = useDoc((s) => s.doc);
  const source = doc.edges.find((e) => e.target === nodeId && e.targetHandle === field.input)?.source;
  const shown = useExec((s) => (source ? s.results[source] : undefined));
  const found = wiredGrid(doc, source && shown ? { [source]: shown } : {}, nodeId, field.input);
  const masked = Array.isArray(value) ? (value as number[]) : (field.default ?? []);
  const set = (next: number[]) => onChange(next, `mask:${field.name}:${++clicks}`);
  return (
    <div className={`field${problem ? ' invalid' : ''}`} data-testid={`field-${field.name}`}>
      <span className="field-label">{field.label}</span>
      {'missing' in found ? (
        <p className="muted" data-testid="token-mask-missing">
          To mask tokens, {found.missing}.
        </p>
      ) : (
        <>
          <TokenMaskGrid codes={found.tokens.grids[0]} side={found.tokens.side} decoded={found.images?.images[0]} masked={masked} size={128} onToggle={(p) => set(toggleMasked(masked, p))} />
          <div className="token-mask-actions">
            <span data-testid="token-mask-count">
              {masked.length} of {found.tokens.side ** 2} tokens masked
              {found.tokens.total > 1 ? ` (in each of the ${found.tokens.total} grids)` : ''}
            </span>
            <button type="button" className="mini" disabled={!masked.length} onClick={() => set([])} data-testid="token-mask-clear">
              Clear
            </button>
            <button
              type="button"
              className="mini"
              onClick={() => set(Array.from({ length: found.tokens.side ** 2 }, (_, i) => i).filter((i) => !masked.includes(i)))}
              data-testid="token-mask-invert"
            >
              Invert
            </button>
          </div>
        </>
      )}
      {field.help && <small className="field-help">{field.help}</small>}
      {problem && <span className="field-problem" data-testid="field-problem">{problem}</span>}
    </div>
  );
}
