// A node's result: its latest outputs (pictures, token grids beside their decoded images, curves,
// tables, files) or, while it runs, its live preview. Drawn small on the canvas and larger in the
// Inspector; a picture opens the result viewer.
import { memo } from 'react';
import type { RgbaImage } from '../../runtime/index.ts';
import { mosaic } from '../exec/mosaic.ts';
import type { Preview } from '../exec/previews.ts';
import { pairTokens } from '../exec/token-grids.ts';
import { download } from '../files/download.ts';
import { MetricsTable } from './MetricsTable.tsx';
import { RgbaCanvas } from './RgbaCanvas.tsx';
import { Sparkline } from './Sparkline.tsx';
import { TokenGridResult } from './TokenGrid.tsx';

export interface ResultProps {
  results?: Preview[];
  stale?: boolean;
  live?: RgbaImage;
  /** Drawing width: the node's inside on the canvas, the panel's in the Inspector. */
  width?: number;
  /** The pack whose published numbers the metrics are read against. */
  pack?: string;
  onExport(image: RgbaImage): void;
  onOpen?(port: string): void;
}

type Shown = ReturnType<typeof pairTokens>[number];

function One({ p, width, pack, onExport, onOpen }: { p: Shown; width: number; pack?: string; onExport(image: RgbaImage): void; onOpen?(port: string): void }) {
  switch (p.kind) {
    case 'token-pair':
      return <TokenGridResult tokens={p.tokens} images={p.images} width={width} onExport={onExport} onOpen={onOpen} />;
    case 'tokens':
      return <TokenGridResult tokens={p} width={width} onExport={onExport} onOpen={onOpen} />;
    case 'images': {
      const image = mosaic(p.images);
      return (
        <div className="result-images">
          <RgbaCanvas
            image={image}
            maxWidth={width}
            maxHeight={width * 0.7}
            className="result-canvas"
            testId="result-image"
            title={onOpen ? 'Open in the viewer' : undefined}
            onClick={onOpen && (() => onOpen(p.port))}
          />
          <div className="result-caption">
            <span>
              {p.port}: {p.caption}
              {p.total > p.images.length ? ` (first ${p.images.length})` : ''}
            </span>
            <button className="mini nodrag" title="Export as PNG with the graph embedded" data-testid="export-png" onClick={() => onExport(image)}>
              PNG
            </button>
          </div>
        </div>
      );
    }
    case 'series':
      return <Sparkline values={p.values} stochastic={p.stochastic} width={width} />;
    case 'metrics':
      return <MetricsTable values={p.values} pack={pack} />;
    case 'files':
      return (
        <ul className="files">
          {p.files.map((f) => (
            <li key={f.name}>
              <button className="link nodrag" data-testid="download-file" onClick={() => download(f.name, f.bytes, f.mime)}>
                ⤓ {f.name}
              </button>
            </li>
          ))}
        </ul>
      );
    case 'text':
      return (
        <p className="result-text">
          {p.port}: {p.text}
        </p>
      );
  }
}

export const NodeResult = memo(function NodeResult({ results, stale, live, width = 216, pack, onExport, onOpen }: ResultProps) {
  if (live) return <RgbaCanvas image={live} maxWidth={width} maxHeight={150} className="result-canvas live" testId="live-preview" />;
  if (!results?.length) return null;
  return (
    <div className={`result${stale ? ' stale' : ''}`} data-testid="node-result" data-stale={stale ? 'true' : 'false'}>
      {stale && <p className="stale-note" data-testid="stale-note">Stale: the graph changed since this result. Run to update it.</p>}
      {pairTokens(results).map((p) => (
        <One key={p.port} p={p} width={width} pack={pack} onExport={onExport} onOpen={onOpen} />
      ))}
    </div>
  );
});
