// Run code of the Save Image node, declared in ./save-image.ts (the editor loads the declaration alone).
import { implementNode } from '../runtime/index.ts';
import { tensorToRgba } from './image/ops.ts';
import { encodePng } from './image/png.ts';
import spec from './save-image.ts';

export default implementNode(spec, async ({ inputs, params, document, signal }) => {
  const t = inputs.images.tensor;
  const files = [];
  for (let i = 0; i < t.shape[0]; i++) {
    signal.throwIfAborted();
    const name = `${params.prefix}-${String(i).padStart(3, '0')}.png`;
    files.push({ name, mime: 'image/png', bytes: encodePng(tensorToRgba(t, i), params.embedGraph ? document : undefined) });
  }
  return { files: { kind: 'files', files } };
});
