// Metrics: how well a result keeps the subject and follows the prompt (CLIP-I, CLIP-T with the
// pack's evaluator) and how faithfully it reconstructs (PSNR, SSIM against the references). The
// values show on the node and leave as a CSV table.
import { z } from 'zod';
import { declareNode, port } from '../runtime/index.ts';

export default declareNode({
  type: 'metrics',
  version: 1,
  title: 'Metrics',
  category: 'evaluation',
  description:
    'CLIP-I (subject fidelity to the references) and CLIP-T (prompt fidelity) with the pack’s evaluator; PSNR and SSIM against the references. Exported as a CSV table.',
  framework: { family: 'any' },
  inputs: { model: port.model(), images: port.image(), references: port.image().optional(), prompt: port.prompt().optional() },
  outputs: { metrics: port.metrics(), table: port.files() },
  params: z.object({
    placeholderAs: z.string().max(100).default('emoji').meta({ title: 'Read S* as', description: 'The word a placeholder (S*) stands for when the prompt is scored (CLIP-T).' }),
    name: z.string().regex(/^[\w.-]+$/).max(100).default('metrics').meta({ title: 'File name', description: 'Name of the CSV table the scores are saved as.' }),
  }),
  flags: { output: true },
});
