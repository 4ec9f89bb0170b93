// onnxruntime-web: wasm (threads when the page is cross-origin isolated), WebGPU where present.
// Works in browsers, in Web Workers and in Node.
import * as ort from 'onnxruntime-web';
import { ortBackend, type OrtLike } from './session.ts';

export const webBackend = ortBackend('onnxruntime-web', ort as unknown as OrtLike, {}, { serial: true });

/** Sets the wasm thread count; must be called before the first session is created. */
export function configureWasm(opts: { threads?: number; wasmPaths?: string }) {
  if (opts.threads !== undefined) ort.env.wasm.numThreads = opts.threads;
  if (opts.wasmPaths) ort.env.wasm.wasmPaths = opts.wasmPaths;
}
