// PNG files for the image nodes: the graph-in-PNG format (runtime/document/png-graph.ts) and a
// platform-free decoder.
import { decode } from 'fast-png';
import {
  checkImageSize,
  encodePngWithGraph,
  GRAPH_CHUNK,
  graphTextFromPng,
  imageSize,
  parseGraphText,
  type ParseResult,
  type RgbaImage,
} from '../../runtime/index.ts';

export { GRAPH_CHUNK, graphTextFromPng };
export const encodePng = encodePngWithGraph;

/** The graph a saved PNG carries, validated and migrated like any graph file: what the
 * editor does when a PNG is dropped on it. */
export function graphFromPng(bytes: Uint8Array): ParseResult {
  let text: string | undefined;
  try {
    text = graphTextFromPng(bytes);
  } catch (e) {
    return { ok: false, errors: [{ code: 'not-json', message: `not a readable PNG: ${(e as Error).message}` }] };
  }
  if (text === undefined) return { ok: false, errors: [{ code: 'not-json', message: 'this PNG carries no graph' }] };
  return parseGraphText(text);
}

export function decodePng(bytes: Uint8Array): RgbaImage {
  const size = imageSize(bytes);
  if (size?.format !== 'png') throw new Error('not a PNG file');
  checkImageSize(size.width, size.height);
  const png = decode(bytes);
  if (png.depth !== 8 || png.palette) throw new Error('only 8-bit RGB(A)/grey PNGs decode without a platform decoder');
  const src = png.data as Uint8Array;
  const n = png.width * png.height;
  const data = new Uint8Array(n * 4);
  const ch = png.channels;
  for (let i = 0; i < n; i++) {
    const g = ch < 3;
    data[i * 4] = src[i * ch];
    data[i * 4 + 1] = src[i * ch + (g ? 0 : 1)];
    data[i * 4 + 2] = src[i * ch + (g ? 0 : 2)];
    data[i * 4 + 3] = ch === 4 ? src[i * ch + 3] : ch === 2 ? src[i * ch + 1] : 255;
  }
  return { width: png.width, height: png.height, data };
}
