// Concept Encoder: learned-encoder inversion into TEXT space (ELITE, IP-Adapter's spirit). The
// pack's trained encoder maps each image of the concept to a word embedding in one forward pass —
// no per-concept optimization — and the mean over the images is bound to the placeholder. Wire it
// into a Text Prompt to generate the concept, or into a Latent Optimizer's initial embedding for
// the hybrid method (E4T-like: encoder start, then a short optimization).
import { z } from 'zod';
import { f32 } from '../ml/index.ts';
import { writeEmbeddingFile } from '../models/personalize/index.ts';
import { defineNode, port } from '../runtime/index.ts';
import { toModelImages } from './personalize/images.ts';
import { loadModel } from './personalize/model-cache.ts';

export default defineNode({
  type: 'concept-encoder',
  version: 1,
  title: 'Concept Encoder',
  category: 'inversion',
  description: 'A trained encoder turns the images of a concept into the word embedding of a placeholder (S*) in one pass, without optimization. The embedding also leaves as a file a Model Loader can add as a token.',
  framework: { family: 'diffusion', space: 'text-embedding', method: 'learned encoder' },
  inputs: { model: port.model(), images: port.image() },
  outputs: { embedding: port.embedding(), file: port.files() },
  params: z.object({ token: z.string().regex(/^S\d*\*$/).default('S*') }),
  async run({ inputs, params, platform, signal }) {
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
  },
});
