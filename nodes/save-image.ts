// Save Image encodes PNGs with the graph embedded; the host writes them (the CLI to --out, the
// editor as downloads), so the node itself touches no file system and runs in any worker.
import { z } from 'zod';
import { declareNode, port } from '../runtime/index.ts';

export default declareNode({
  type: 'save-image',
  version: 1,
  title: 'Save Image',
  category: 'output',
  description: 'PNG files, one per image, with the graph embedded so dropping one back restores it.',
  inputs: { images: port.image() },
  outputs: { files: port.files() },
  params: z.object({
    prefix: z
      .string()
      .min(1)
      .max(100)
      .regex(/^[\w.-]+$/, 'letters, digits, dot, dash and underscore only')
      .default('image'),
    embedGraph: z.boolean().default(true),
  }),
  flags: { output: true, usesDocument: true },
});
