// The result viewer: one output of one node, large. Each picture of the batch side by side (token
// grids each beside the image it decodes to), next to the references it came from (the picture
// sources upstream), scaled by whole numbers so a 64×64 result shows its pixels exactly. Escape or
// a click outside closes it.
import { useMemo } from 'react';
import type { Preview } from '../exec/previews.ts';
import { sourcesOf } from '../exec/pack-of.ts';
import { decodedFor, gridPicture, type TokensPreview } from '../exec/token-grids.ts';
import { useDoc, useExec, useUi, useWorkbench } from '../workbench.ts';
import { RgbaCanvas } from './RgbaCanvas.tsx';

type Images = Extract<Preview, { kind: 'images' }>;

/** The side each picture is drawn at, at most: 64×64 pictures at 4×, larger ones smaller. */
const CELL = 256;

function Row({ label, p, testId }: { label: string; p: Images; testId: string }) {
  return (
    <section className="viewer-row" data-testid={testId}>
      <h3>
        {label} <small className="muted">{p.caption}{p.total > p.images.length ? ` (first ${p.images.length} of ${p.total})` : ''}</small>
      </h3>
      <div className="viewer-images">
        {p.images.map((img, i) => (
          <figure key={i}>
            <RgbaCanvas image={img} maxWidth={CELL} maxHeight={CELL} maxScale={8} integer className="viewer-canvas" testId="viewer-image" />
            <figcaption>
              {i + 1} · {img.width}×{img.height}
            </figcaption>
          </figure>
        ))}
      </div>
    </section>
  );
}

/** Each grid of a node beside the image it decodes to, at the images' scale. */
function TokensRow({ p, images }: { p: TokensPreview; images?: Images }) {
  return (
    <section className="viewer-row" data-testid="viewer-tokens">
      <h3>
        Token grids <small className="muted">{p.caption}{p.total > p.grids.length ? ` (first ${p.grids.length} of ${p.total})` : ''} · the same code is always the same colour</small>
      </h3>
      <div className="viewer-images">
        {p.grids.map((g, i) => (
          <figure key={i} className="token-pair">
            <RgbaCanvas image={gridPicture(g, p.side)} maxWidth={CELL} maxHeight={CELL} maxScale={8} integer className="viewer-canvas" testId="viewer-token-grid" />
            {images?.images[i] && <RgbaCanvas image={images.images[i]} maxWidth={CELL} maxHeight={CELL} maxScale={8} integer className="viewer-canvas" testId="viewer-image" />}
            <figcaption>
              {i + 1} · {p.side}×{p.side} tokens
            </figcaption>
          </figure>
        ))}
      </div>
    </section>
  );
}

export function ResultViewer() {
  const wb = useWorkbench();
  const viewer = useUi((s) => s.viewer);
  const doc = useDoc((s) => s.doc);
  const results = useExec((s) => s.results);
  const refs = useMemo(() => (viewer ? sourcesOf(doc, wb.catalog, viewer.nodeId).filter((id) => id !== viewer.nodeId) : []), [viewer, doc, wb]);
  if (!viewer) return null;
  const close = () => wb.ui.setState({ viewer: undefined });
  const mine = results[viewer.nodeId] ?? [];
  const shown = mine.find((p): p is Images => p.kind === 'images' && p.port === viewer.port);
  // Grids show with their decoded images, whichever of the two was opened.
  const grids = mine.find((p): p is TokensPreview => p.kind === 'tokens' && (p.port === viewer.port || (shown !== undefined && decodedFor(mine, p) === shown)));
  const node = doc.nodes.find((n) => n.id === viewer.nodeId);
  const title = node ? (wb.catalog.get(node.type)?.title ?? node.type) : viewer.nodeId;
  const references = refs.flatMap((id) => (results[id] ?? []).filter((p): p is Images => p.kind === 'images').map((p) => ({ id, p })));
  return (
    <div className="dialog-backdrop" onMouseDown={(e) => e.target === e.currentTarget && close()}>
      <div className="dialog dialog-viewer" role="dialog" aria-modal="true" aria-label="Result viewer" data-testid="result-viewer">
        <button className="close" onClick={close} aria-label="Close">
          ×
        </button>
        <h2>
          {title} <code>{viewer.nodeId}</code> · {viewer.port}
        </h2>
        {grids && <TokensRow p={grids} images={decodedFor(mine, grids)} />}
        {shown ? <Row label="Result" p={shown} testId="viewer-result" /> : !grids && <p className="muted">This output has no pictures yet: run the graph.</p>}
        {references.map(({ id, p }) => (
          <Row key={`${id}:${p.port}`} label={`Reference: ${id}`} p={p} testId="viewer-references" />
        ))}
      </div>
    </div>
  );
}
