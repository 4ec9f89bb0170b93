// Run code of the Preview node, declared in ./preview.ts (the editor loads the declaration alone).
import { implementNode } from '../runtime/index.ts';
import { concatBatch, fit, grid, tensorToRgba } from './image/ops.ts';
import spec from './preview.ts';

export default implementNode(spec, async ({ inputs, params, preview }) => {
  // Batches of different sizes share a grid after each is fitted to the cell.
  const cells = inputs.images.map((b) => fit(b.tensor, params.cell, params.cell, 'contain'));
  const out = grid(concatBatch(cells), params.columns, params.cell);
  preview(tensorToRgba(out));
  return { grid: { kind: 'image', tensor: out } };
});
