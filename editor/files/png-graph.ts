// PNGs that carry their graph (runtime/document/png-graph.ts, the format Save Image writes), so an
// exported picture dropped back on the canvas reopens the graph.
import {
  encodePngWithGraph,
  graphTextFromPng,
  parseGraphText,
  type GraphDoc,
  type ParseResult,
  type RgbaImage,
} from '../../runtime/index.ts';

export const pngWithGraph = (img: RgbaImage, doc: GraphDoc): Uint8Array => encodePngWithGraph(img, doc);

export const isPng = (bytes: Uint8Array) => bytes.length > 8 && bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47;

/** The graph a PNG carries, validated and migrated like any graph file; undefined when the
 * PNG has none (then it is just a picture). */
export function graphInPng(bytes: Uint8Array): ParseResult | undefined {
  let text: string | undefined;
  try {
    text = graphTextFromPng(bytes);
  } catch (e) {
    return { ok: false, errors: [{ code: 'not-json', message: `not a readable PNG: ${(e as Error).message}` }] };
  }
  return text === undefined ? undefined : parseGraphText(text);
}
