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
    mode: z.enum(['cover', 'contain', 'stretch', 'crop']).default('cover').meta({ title: 'Mode', description: 'cover fills and crops the centre; contain fits and pads white; stretch distorts; crop cuts a window at x, y.' }),
    width: z.number().int().min(1).max(4096).default(256).meta({ title: 'Width', description: 'Pixels across.' }),
    height: z.number().int().min(1).max(4096).default(256).meta({ title: 'Height', description: 'Pixels down.' }),
    x: z.number().int().min(0).default(0).meta({ title: 'Left (x)', description: 'Left edge of the window, in pixels.', appliesWhen: { mode: ['crop'] } }),
    y: z.number().int().min(0).default(0).meta({ title: 'Top (y)', description: 'Top edge of the window, in pixels.', appliesWhen: { mode: ['crop'] } }),
  }),
});
