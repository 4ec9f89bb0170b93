// Run code of the Resize / Crop node, declared in ./resize-crop.ts (the editor loads the declaration alone).
import { implementNode } from '../runtime/index.ts';
import { crop, fit } from './image/ops.ts';
import spec from './resize-crop.ts';

export default implementNode(spec, async ({ inputs, params }) => {
  const t = inputs.image.tensor;
  const out = params.mode === 'crop' ? crop(t, params.y, params.x, params.height, params.width) : fit(t, params.height, params.width, params.mode);
  return { image: { kind: 'image', tensor: out } };
});
