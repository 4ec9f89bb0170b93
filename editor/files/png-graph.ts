// PNGs that carry their graph, in the same tEXt chunk the Save Image node writes (ComfyUI's
// convention), so an exported picture dropped back on the canvas reopens the graph.
import { decode, encode } from 'fast-png';
import { parseGraphText, type GraphDoc, type ParseResult, type RgbaImage } from '../../runtime/index.ts';

/** The tEXt keyword of the embedded graph; Save Image writes the same one. */
export const GRAPH_CHUNK = 'workflow';

// tEXt is Latin-1: escaping everything beyond ASCII keeps the JSON valid and lossless.
const asciiJson = (value: unknown) =>
  JSON.stringify(value).replace(/[\u007f-\uffff]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);

export function pngWithGraph(img: RgbaImage, doc: GraphDoc): Uint8Array {
  return encode({ width: img.width, height: img.height, data: img.data, channels: 4, depth: 8, text: { [GRAPH_CHUNK]: asciiJson(doc) } });
}

export const isPng = (bytes: Uint8Array) => bytes.length > 8 && bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47;

/** The graph a PNG carries, validated and migrated like any graph file; undefined when the
 * PNG has none (then it is just a picture). */
export function graphInPng(bytes: Uint8Array): ParseResult | undefined {
  let text: string | undefined;
  try {
    text = decode(bytes).text[GRAPH_CHUNK];
  } catch (e) {
    return { ok: false, errors: [{ code: 'not-json', message: `not a readable PNG: ${(e as Error).message}` }] };
  }
  return text === undefined ? undefined : parseGraphText(text);
}
