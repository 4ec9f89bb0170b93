import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// onnxruntime-web runs wasm on several threads only with SharedArrayBuffer, which browsers
// grant to cross-origin isolated pages alone; both the dev server and preview send these.
const crossOriginIsolation = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

export default defineConfig({
  plugins: [react()],
  server: { headers: crossOriginIsolation },
  preview: { headers: crossOriginIsolation },
  optimizeDeps: {
    // Pre-bundling would move onnxruntime-web away from its .wasm and .mjs files.
    exclude: ['onnxruntime-web'],
    // The dependency scan starts from index.html and does not follow `new Worker(new URL(…))`;
    // a dependency met first inside a worker would be bundled mid-run and reload the page.
    entries: ['index.html', 'workers/browser-executor.worker.ts', 'workers/engine-probe.worker.ts'],
  },
  worker: { format: 'es' },
});
