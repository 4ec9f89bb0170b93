// The graph-in-PNG format, in one place: PNGs carry their graph document in a tEXt chunk, as
// ComfyUI does, so Save Image's files and the editor's exports reopen the graph that made them.
import { encode } from 'fast-png';
import type { RgbaImage } from '../platform.ts';
import { pngTextChunks } from './png-chunks.ts';

/** The tEXt keyword under which the graph document is stored. */
export const GRAPH_CHUNK = 'workflow';

// tEXt is Latin-1; escaping everything outside ASCII keeps the JSON valid and lossless.
const asciiJson = (value: unknown) =>
  JSON.stringify(value).replace(/[\u007f-\uffff]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);

/** An 8-bit RGBA PNG, carrying `graph` when one is given. */
export function encodePngWithGraph(img: RgbaImage, graph?: unknown): Uint8Array {
  return encode({
    width: img.width,
    height: img.height,
    data: img.data,
    channels: 4,
    depth: 8,
    text: graph === undefined ? undefined : { [GRAPH_CHUNK]: asciiJson(graph) },
  });
}

/** The graph JSON text embedded in a PNG, or undefined when it has none; throws a PngError on a
 * bad PNG. Pixels are never decoded. */
export function graphTextFromPng(bytes: Uint8Array): string | undefined {
  return pngTextChunks(bytes).get(GRAPH_CHUNK);
}
