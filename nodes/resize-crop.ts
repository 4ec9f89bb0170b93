import { z } from 'zod';
import { declareNode, port } from '../runtime/index.ts';

export default declareNode({
  type: 'resize-crop',
  version: 1,
  title: 'Resize / Crop',
  category: 'image',
  description: 'Bring every image of a batch to one size: cover (fill, crop the centre), contain (fit, pad white), stretch, or crop a window at x, y.',
  inputs: { image: port.image() },
  outputs: { image: port.image() },
  params: z.object({
    mode: z.enum(['cover', 'contain', 'stretch', 'crop']).default('cover'),
    width: z.number().int().min(1).max(4096).default(256),
    height: z.number().int().min(1).max(4096).default(256),
    x: z.number().int().min(0).default(0),
    y: z.number().int().min(0).default(0),
  }),
});
