// The side effects a node may need, injected by the host (Node process, Node worker, browser
// worker) so node code is the same everywhere and tests use the real platform.
import type { Backend } from '../ml/session/session.ts';
import type { ByteLimit } from '../ml/untrusted/limits.ts';

/** 8-bit RGBA pixels, row-major, straight (not premultiplied) alpha. */
export interface RgbaImage {
  width: number;
  height: number;
  data: Uint8Array;
}

export interface Platform {
  /**
   * Bytes named by a graph: a file path (Node only, relative to the graph's folder) or a URL.
   * Bounded: regular files only, at most LIMITS[limit] bytes (sourceBytes by default), within
   * LIMITS.readMs; a refusal names the limit.
   */
  readSource(source: string, signal: AbortSignal, limit?: ByteLimit): Promise<Uint8Array>;
  /**
   * Decode PNG, JPEG or WebP bytes. An image that declares more than LIMITS.imagePixels is refused
   * before its pixels are decoded. With `cover`, the decoder may return the image scaled down, as
   * long as it still covers cover.width × cover.height (so a huge photo is never widened to float
   * at full size).
   */
  decodeImage(bytes: Uint8Array, cover?: { width: number; height: number }): Promise<RgbaImage>;
  /**
   * ONNX sessions for model nodes: onnxruntime-node in Node, onnxruntime-web in a browser worker.
   * Injected by the host so node code never picks a runtime itself; absent where no model runs.
   */
  backend?: Backend;
}

/** A platform for nodes that touch no outside world; reading anything is an error that says so. */
export const noPlatform: Platform = {
  readSource: async (source) => {
    throw new Error(`no platform to read ${source}`);
  },
  decodeImage: async () => {
    throw new Error('no platform to decode images');
  },
};
