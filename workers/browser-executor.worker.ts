// Web Worker entry: one node executor exposed over comlink, decoding with the browser.
import { expose } from 'comlink';
import { webBackend } from '../ml/session/web.ts';
import { registry } from '../nodes/registry.ts';
import { browserPlatform } from '../runtime/browser/index.ts';
import type { Platform } from '../runtime/index.ts';
import { createExecutorApi } from '../runtime/worker-api.ts';

// A worker resolves relative URLs against its own script, which sits somewhere under the
// bundle; graphs name files such as `samples/cat.png` relative to the app, so resolve there.
const appBase = new URL(import.meta.env.BASE_URL, self.location.origin);
const platform: Platform = {
  ...browserPlatform,
  backend: webBackend,
  readSource: (source, signal, limit) => browserPlatform.readSource(new URL(source, appBase).href, signal, limit),
};

expose(createExecutorApi(registry, platform));
