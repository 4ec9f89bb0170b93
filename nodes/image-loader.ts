// Images from paths (Node) or URLs (browser: http, blob: for dropped files, data:) become one
// float32 NCHW batch in [0, 1], each brought to the target size first. Decoding is the
// platform's: sharp in Node, createImageBitmap in the browser.
import { z } from 'zod';
import { defineNode, port } from '../runtime/index.ts';
import { concatBatch, fit, rgbaToTensor } from './image/ops.ts';

export default defineNode({
  type: 'image-loader',
  version: 1,
  title: 'Image Loader',
  category: 'image',
  description: 'Load PNG, JPEG or WebP images as one batch, each resized and cropped to width × height.',
  inputs: {},
  outputs: { images: port.image() },
  params: z.object({
    sources: z.array(z.string().min(1).max(1_000_000)).min(1).max(64),
    width: z.number().int().min(1).max(4096).default(256),
    height: z.number().int().min(1).max(4096).default(256),
    fit: z.enum(['cover', 'contain', 'stretch']).default('cover'),
  }),
  async run({ params, platform, signal, progress }) {
    const parts = [];
    for (const [i, source] of params.sources.entries()) {
      signal.throwIfAborted();
      let bytes: Uint8Array;
      try {
        bytes = await platform.readSource(source, signal);
      } catch (e) {
        throw new Error(`cannot read ${source}: ${(e as Error).message}`);
      }
      const rgba = await platform.decodeImage(bytes).catch((e: Error) => {
        throw new Error(`cannot decode ${source}: ${e.message}`);
      });
      parts.push(fit(rgbaToTensor(rgba), params.height, params.width, params.fit));
      progress(i + 1, params.sources.length);
    }
    return { images: { kind: 'image', tensor: concatBatch(parts) } };
  },
});
