// A node's result on the canvas: its latest outputs (pictures, curves, tables, files) or, while
// it runs, its live preview.
import { memo } from 'react';
import type { RgbaImage } from '../../runtime/index.ts';
import { mosaic } from '../exec/mosaic.ts';
import type { Preview } from '../exec/previews.ts';
import { download } from '../files/download.ts';
import { RgbaCanvas } from './RgbaCanvas.tsx';
import { Sparkline } from './Sparkline.tsx';

const WIDTH = 216;

function One({ p, onExport }: { p: Preview; onExport(image: RgbaImage): void }) {
  switch (p.kind) {
    case 'images': {
      const image = mosaic(p.images);
      return (
        <div className="result-images">
          <RgbaCanvas image={image} maxWidth={WIDTH} maxHeight={150} className="result-canvas" testId="result-image" />
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
      return <Sparkline values={p.values} stochastic={p.stochastic} width={WIDTH} />;
    case 'metrics':
      return (
        <table className="metrics">
          <tbody>
            {Object.entries(p.values).map(([k, v]) => (
              <tr key={k}>
                <th>{k}</th>
                <td>{+v.toPrecision(4)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      );
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

export const NodeResult = memo(function NodeResult({
  results,
  live,
  onExport,
}: {
  results?: Preview[];
  live?: RgbaImage;
  onExport(image: RgbaImage): void;
}) {
  if (live) return <RgbaCanvas image={live} maxWidth={WIDTH} maxHeight={150} className="result-canvas live" testId="live-preview" />;
  if (!results?.length) return null;
  return (
    <div className="result" data-testid="node-result">
      {results.map((p) => (
        <One key={p.port} p={p} onExport={onExport} />
      ))}
    </div>
  );
});
