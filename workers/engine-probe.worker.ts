// Module Web Worker that runs the engine probe on onnxruntime-web and answers over comlink.
import { expose } from 'comlink';
import { env } from 'onnxruntime-web';
import { configureWasm, webBackend } from '../ml/session/web.ts';
import { runEngineProbe, type EngineProbeResult } from './engine-probe.ts';

/** Wasm threads need SharedArrayBuffer, which only a cross-origin isolated context has. */
function wasmThreads(): number {
  if (!self.crossOriginIsolated) return 1;
  return Math.max(1, Math.min(4, navigator.hardwareConcurrency || 1));
}

let threads: number | undefined;

const api = {
  async check(): Promise<EngineProbeResult & { crossOriginIsolated: boolean }> {
    // onnxruntime-web reads the thread count once, when its wasm module starts.
    if (threads === undefined) {
      threads = wasmThreads();
      configureWasm({ threads });
    }
    const result = await runEngineProbe(webBackend, threads);
    // onnxruntime-web drops to one thread when it cannot share memory; report what it used.
    return { ...result, threads: env.wasm.numThreads ?? threads, crossOriginIsolated: self.crossOriginIsolated };
  },
};

export type EngineProbeApi = typeof api;

expose(api);
