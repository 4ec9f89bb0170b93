import { z } from 'zod';
import { declareNode, port } from '../runtime/index.ts';

export default declareNode({
  type: 'blend',
  version: 1,
  title: 'Blend',
  category: 'image',
  description: 'Mix two image batches: a·(1−α) + α·mode(a, b). A batch of one is paired with every image of the other.',
  inputs: { a: port.image(), b: port.image() },
  outputs: { image: port.image() },
  params: z.object({
    alpha: z.number().min(0).max(1).default(0.5).meta({ title: 'Amount (α)', description: 'How much of the blended result replaces image a: 0 keeps a, 1 shows only the blend.' }),
    mode: z.enum(['mix', 'add', 'multiply', 'screen', 'difference']).default('mix').meta({ title: 'Blend mode', description: 'How the two images combine, as in a paint program.' }),
  }),
});
