import { z } from 'zod';
import { defineNode, port } from '../runtime/index.ts';
import { concatBatch, fit, grid, tensorToRgba } from './image/ops.ts';

export default defineNode({
  type: 'preview',
  version: 1,
  title: 'Preview',
  category: 'output',
  description: 'Show every image of the connected batches in one grid.',
  inputs: { images: port.image().list() },
  outputs: { grid: port.image() },
  params: z.object({
    columns: z.number().int().min(1).max(16).default(4),
    cell: z.number().int().min(16).max(1024).default(128),
  }),
  flags: { output: true },
  async run({ inputs, params, preview }) {
    // Batches of different sizes share a grid after each is fitted to the cell.
    const cells = inputs.images.map((b) => fit(b.tensor, params.cell, params.cell, 'contain'));
    const out = grid(concatBatch(cells), params.columns, params.cell);
    preview(tensorToRgba(out));
    return { grid: { kind: 'image', tensor: out } };
  },
});
