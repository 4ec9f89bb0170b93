// Run code of the Metrics node, declared in ./metrics.ts (the editor loads the declaration alone).
import { metricsCsv, scoreImages } from '../models/personalize/index.ts';
import { implementNode } from '../runtime/index.ts';
import { toModelImages } from './personalize/images.ts';
import { loadModel } from './personalize/model-cache.ts';
import spec from './metrics.ts';

export default implementNode(spec, async ({ inputs, params, platform, signal }) => {
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
});
