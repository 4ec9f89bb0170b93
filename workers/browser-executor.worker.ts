// Web Worker entry: one node executor exposed over comlink, decoding with the browser.
import { expose } from 'comlink';
import { registry } from '../nodes/registry.ts';
import { browserPlatform } from '../runtime/browser/index.ts';
import { createExecutorApi } from '../runtime/worker-api.ts';

expose(createExecutorApi(registry, browserPlatform));
