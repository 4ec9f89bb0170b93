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
      .default('image').meta({ title: 'File name prefix', description: 'Files are named prefix-0.png, prefix-1.png, …' }),
    embedGraph: z.boolean().default(true).meta({ title: 'Embed the graph', description: 'Store this graph in each PNG, so dropping it back reopens the graph.' }),
  }),
  flags: { output: true, usesDocument: true },
});
