// The Token Grid view: a token grid drawn as its side × side codes in their colours (the same code
// always the same colour), beside the image it decodes to when the node made one. Clickable grids
// (the AR Sampler's mask) toggle a token under the pointer; masked tokens are grey.
import { useMemo } from 'react';
import { tokenAt } from '../../nodes/image/token-grid.ts';
import type { RgbaImage } from '../../runtime/index.ts';
import { mosaic } from '../exec/mosaic.ts';
import { gridPicture, type ImagesPreview, type TokensPreview } from '../exec/token-grids.ts';
import { RgbaCanvas } from './RgbaCanvas.tsx';

/** A node's grids (all of them, as a mosaic) beside their decoded images. */
export function TokenGridResult({
  tokens,
  images,
  width,
  onExport,
  onOpen,
}: {
  tokens: TokensPreview;
  images?: ImagesPreview;
  width: number;
  onExport(image: RgbaImage): void;
  onOpen?(port: string): void;
}) {
  const grids = useMemo(() => mosaic(tokens.grids.map((g) => gridPicture(g, tokens.side))), [tokens]);
  const decoded = useMemo(() => (images ? mosaic(images.images) : undefined), [images]);
  const half = decoded ? (width - 6) / 2 : width;
  return (
    <div className="result-images token-result" data-testid="token-grid-result">
      <div className="token-pair">
        <RgbaCanvas image={grids} maxWidth={half} maxHeight={width * 0.7} className="result-canvas" testId="token-grid" title={onOpen ? 'Open in the viewer' : `${tokens.side}×${tokens.side} tokens`} onClick={onOpen && (() => onOpen(tokens.port))} />
        {decoded && <RgbaCanvas image={decoded} maxWidth={half} maxHeight={width * 0.7} className="result-canvas" testId="result-image" title={onOpen ? 'Open in the viewer' : undefined} onClick={onOpen && (() => onOpen(images!.port))} />}
      </div>
      <div className="result-caption">
        <span>
          {tokens.port}: {tokens.caption}
          {tokens.total > tokens.grids.length ? ` (first ${tokens.grids.length})` : ''}
          {images ? ` · ${images.port} beside` : ''}
        </span>
        {decoded && (
          <button className="mini nodrag" title="Export the images as PNG with the graph embedded" data-testid="export-png" onClick={() => onExport(decoded)}>
            PNG
          </button>
        )}
      </div>
    </div>
  );
}

/** One grid, large, that toggles the token clicked; beside it the image it decodes to. */
export function TokenMaskGrid({ codes, side, decoded, masked, size, onToggle }: { codes: Int32Array; side: number; decoded?: RgbaImage; masked: readonly number[]; size: number; onToggle(position: number): void }) {
  const picture = useMemo(() => gridPicture(codes, side, masked), [codes, side, masked]);
  return (
    <div className="token-pair" data-testid="token-mask">
      <div
        className="token-mask-target"
        title="Click a token to mask it (it is drawn again when the node runs); click again to keep it"
        onClick={(e) => {
          const box = e.currentTarget.getBoundingClientRect();
          const p = tokenAt(e.clientX - box.left, e.clientY - box.top, side, box.width);
          if (p !== null) onToggle(p);
        }}
      >
        <RgbaCanvas image={picture} maxWidth={size} maxHeight={size} integer maxScale={8} className="result-canvas clickable" testId="token-mask-grid" />
      </div>
      {decoded && <RgbaCanvas image={decoded} maxWidth={size} maxHeight={size} integer maxScale={8} className="result-canvas" testId="token-mask-image" />}
    </div>
  );
}
