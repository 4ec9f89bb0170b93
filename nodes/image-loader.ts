// Images from paths (Node) or URLs (browser: http, blob: for dropped files, data:) become one
// float32 NCHW batch in [0, 1], each brought to the target size first. Decoding is the
// platform's: sharp in Node, createImageBitmap in the browser.
import { z } from 'zod';
import { declareNode, port, withinBudget } from '../runtime/index.ts';

export default declareNode({
  type: 'image-loader',
  version: 1,
  title: 'Image Loader',
  category: 'image',
  description: 'Load PNG, JPEG or WebP images as one batch, each resized and cropped to width × height.',
  inputs: {},
  outputs: { images: port.image() },
  params: z.object({
    sources: z.array(z.string().min(1).max(1_000_000)).min(1).max(64).meta({ title: 'Pictures', description: 'The images of the concept: pick or drop files, or give one path or URL per line.', accept: 'image/png,image/jpeg,image/webp' }),
    width: z.number().int().min(1).max(4096).default(256).meta({ title: 'Width', description: 'Pixels across after loading; match the model the pictures feed (the built-in pack works at 64).' }),
    height: z.number().int().min(1).max(4096).default(256).meta({ title: 'Height', description: 'Pixels down after loading; match the model the pictures feed (the built-in pack works at 64).' }),
    fit: z.enum(['cover', 'contain', 'stretch']).default('cover').meta({ title: 'Fit', description: 'cover fills the size and crops the centre; contain fits it all and pads; stretch distorts.' }),
  }).superRefine(
    withinBudget({
      // The float32 RGB batch, plus one image at a time while it is being fitted.
      bytes: (p) => (p.sources.length + 1) * 3 * p.width * p.height * 4,
      field: 'sources',
      explain: (p) => `${p.sources.length} image(s) of 3 × ${p.width} × ${p.height} float32 values`,
    }),
  ),
});
