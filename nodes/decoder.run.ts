// Run code of the Decoder node, declared in ./decoder.ts (the editor loads the declaration alone).
import { implementNode } from '../runtime/index.ts';
import { fromLatent, fromModelImages } from './personalize/images.ts';
import { loadModel } from './personalize/model-cache.ts';
import spec from './decoder.ts';

export default implementNode(spec, async ({ inputs, platform, signal, progress }) => {
  const model = await loadModel(inputs.model.pack, platform, signal);
  const { data, n } = fromLatent(inputs.latent, model, ['latent']);
  progress(0, 1);
  const images = fromModelImages(await model.decode(data, n), n, model);
  progress(1, 1);
  return { images };
});
