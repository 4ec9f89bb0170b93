// Run code of the Concept Encoder node, declared in ./concept-encoder.ts (the editor loads the declaration alone).
import { f32 } from '../ml/index.ts';
import { writeEmbeddingFile } from '../models/personalize/index.ts';
import { implementNode } from '../runtime/index.ts';
import { toModelImages } from './personalize/images.ts';
import { loadModel } from './personalize/model-cache.ts';
import spec from './concept-encoder.ts';

export default implementNode(spec, async ({ inputs, params, platform, signal }) => {
  const model = await loadModel(inputs.model.pack, platform, signal);
  const { data, n } = toModelImages(inputs.images, model, 'images');
  const v = await model.conceptEmbeddings(await model.encode(data, n), n);
  const D = v.length / n;
  const mean = new Float32Array(D);
  for (let i = 0; i < n; i++) for (let j = 0; j < D; j++) mean[j] += v[i * D + j] / n;
  const tensor = f32([1, D], mean);
  const bytes = writeEmbeddingFile(tensor, model.name, params.token);
  return {
    embedding: { kind: 'embedding', tensor, token: params.token },
    file: { kind: 'files', files: [{ name: 'concept-embedding.safetensors', mime: 'application/octet-stream', bytes }] },
  };
});
