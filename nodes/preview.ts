import { z } from 'zod';
import { declareNode, port } from '../runtime/index.ts';

export default declareNode({
  type: 'preview',
  version: 1,
  title: 'Preview',
  category: 'output',
  description: 'Show every image of the connected batches in one grid.',
  inputs: { images: port.image().list() },
  outputs: { grid: port.image() },
  params: z.object({
    columns: z.number().int().min(1).max(16).default(4).meta({ title: 'Columns', description: 'Pictures per row of the grid.' }),
    cell: z.number().int().min(16).max(1024).default(128).meta({ title: 'Cell size', description: 'Pixels per picture in the grid.' }),
  }),
  flags: { output: true },
});
