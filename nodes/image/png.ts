// PNG encoding with the graph embedded as a tEXt chunk, as ComfyUI does, so dropping a saved
// image back onto the editor restores the graph that made it.
import { decode, encode } from 'fast-png';
import { parseGraphText, type ParseResult, type RgbaImage } from '../../runtime/index.ts';

/** The tEXt keyword under which the graph document is stored. */
export const GRAPH_CHUNK = 'workflow';

// tEXt is Latin-1; escaping everything outside ASCII keeps the JSON valid and lossless.
const asciiJson = (value: unknown) =>
  JSON.stringify(value).replace(/[\u007f-\uffff]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);

export function encodePng(img: RgbaImage, graph?: unknown): Uint8Array {
  return encode({
    width: img.width,
    height: img.height,
    data: img.data,
    channels: 4,
    depth: 8,
    text: graph === undefined ? undefined : { [GRAPH_CHUNK]: asciiJson(graph) },
  });
}

/** The graph JSON text embedded in a PNG, or undefined when it has none. */
export function graphTextFromPng(bytes: Uint8Array): string | undefined {
  return decode(bytes).text[GRAPH_CHUNK];
}

/** The graph a saved PNG carries, validated and migrated like any graph file: what the
 * editor does when a PNG is dropped on it. */
export function graphFromPng(bytes: Uint8Array): ParseResult {
  let text: string | undefined;
  try {
    text = graphTextFromPng(bytes);
  } catch (e) {
    return { ok: false, errors: [{ code: 'not-json', message: `not a PNG: ${(e as Error).message}` }] };
  }
  if (text === undefined) return { ok: false, errors: [{ code: 'not-json', message: 'this PNG carries no graph' }] };
  return parseGraphText(text);
}

export function decodePng(bytes: Uint8Array): RgbaImage {
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
