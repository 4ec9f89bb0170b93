// Metrics: how well a result keeps the subject and follows the prompt (CLIP-I, CLIP-T with the
// pack's evaluator) and how faithfully it reconstructs (PSNR, SSIM against the references). The
// values show on the node and leave as a CSV table.
import { z } from 'zod';
import { metricsCsv, scoreImages } from '../models/personalize/index.ts';
import { defineNode, port } from '../runtime/index.ts';
import { toModelImages } from './personalize/images.ts';
import { loadModel } from './personalize/model-cache.ts';

export default defineNode({
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
    /** What a placeholder (S*) reads as when the evaluator scores the prompt. */
    placeholderAs: z.string().max(100).default('emoji'),
    name: z.string().regex(/^[\w.-]+$/).max(100).default('metrics'),
  }),
  flags: { output: true },
  async run({ inputs, params, platform, signal }) {
    if (!inputs.references && !inputs.prompt) throw new Error('wire references (for CLIP-I, PSNR, SSIM) or a prompt (for CLIP-T), or both');
    const model = await loadModel(inputs.model.pack, platform, signal);
    const images = toModelImages(inputs.images, model, 'images');
    const references = inputs.references ? toModelImages(inputs.references, model, 'reference') : undefined;
    const values = await scoreImages(await model.evaluator(), model.manifest.tokenizer, {
      images: images.data,
      n: images.n,
      size: model.resolution.width,
      references,
      prompt: inputs.prompt?.text,
      placeholderAs: params.placeholderAs,
    });
    const csv = new TextEncoder().encode(metricsCsv(values));
    return { metrics: { kind: 'metrics', values }, table: { kind: 'files', files: [{ name: `${params.name}.csv`, mime: 'text/csv', bytes: csv }] } };
  },
});
