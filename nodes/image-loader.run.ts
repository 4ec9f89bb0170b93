// Run code of the Image Loader node, declared in ./image-loader.ts (the editor loads the declaration alone).
import { implementNode } from '../runtime/index.ts';
import { concatBatch, fit, rgbaToTensor } from './image/ops.ts';
import spec from './image-loader.ts';

/** A source as messages show it: a long data: URL is cut to its start. */
const shown = (source: string) => (source.length > 80 ? `${source.slice(0, 60)}… (${source.length} characters)` : source);

export default implementNode(spec, async ({ params, platform, signal, progress }) => {
  const parts = [];
  for (const [i, source] of params.sources.entries()) {
    signal.throwIfAborted();
    let bytes: Uint8Array;
    try {
      bytes = await platform.readSource(source, signal, 'imageBytes');
    } catch (e) {
      throw new Error(`cannot read ${shown(source)}: ${(e as Error).message}`);
    }
    const rgba = await platform.decodeImage(bytes, { width: params.width, height: params.height }).catch((e: Error) => {
      throw new Error(`cannot decode ${shown(source)}: ${e.message}`);
    });
    parts.push(fit(rgbaToTensor(rgba), params.height, params.width, params.fit));
    progress(i + 1, params.sources.length);
  }
  return { images: { kind: 'image', tensor: concatBatch(parts) } };
});
