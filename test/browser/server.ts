// The app served by Vite on a free localhost port: the dev server (as `npm start` runs it) or a
// production build under `vite preview`. Caches and builds go to temporary folders so that
// parallel runs in one checkout do not trip over each other.
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build, createLogger, createServer, preview, type Logger } from 'vite';

export const ROOT = resolve(import.meta.dirname, '../..');

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const s = createNetServer();
    s.once('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => done(port));
    });
  });
}

export interface AppServer {
  url: string;
  close(): Promise<void>;
}

/** Warnings and errors as usual; the optimizer's lines about late bundles also go to `onLateBundle`. */
function recordingLogger(onLateBundle: (message: string) => void): Logger {
  const base = createLogger('warn', { allowClearScreen: false });
  return {
    ...base,
    info(msg, options) {
      if (/optimized dependencies changed|dependencies? optimized/.test(msg)) onLateBundle(msg.trim());
      base.info(msg, options);
    },
  };
}

export type ServeMode = 'dev' | 'preview';

/**
 * `onLateBundle` hears of every dependency the dev server bundles after it started (met first in
 * a worker, say): each one reloads the open pages, in the middle of a run.
 */
export async function startAppServer(mode: ServeMode, onLateBundle: (message: string) => void = () => {}): Promise<AppServer> {
  const tmp = await mkdtemp(join(tmpdir(), 'vite-app-'));
  const port = await freePort();
  const common = {
    root: ROOT,
    configFile: join(ROOT, 'vite.config.ts'),
    cacheDir: join(tmp, 'cache'),
    // The logger filters by its own level, so the optimizer's info lines reach it.
    logLevel: 'info' as const,
    customLogger: recordingLogger(onLateBundle),
    clearScreen: false,
  };
  const listen = { host: '127.0.0.1', port, strictPort: true, open: false };
  let close: () => Promise<void>;
  if (mode === 'dev') {
    const server = await createServer({ ...common, server: { ...listen, hmr: false, watch: null } });
    await server.listen();
    close = () => server.close();
  } else {
    const outDir = join(tmp, 'dist');
    await build({ ...common, build: { outDir, emptyOutDir: true, reportCompressedSize: false } });
    const server = await preview({ ...common, build: { outDir }, preview: listen });
    close = () => server.close();
  }
  return {
    url: `http://127.0.0.1:${port}/`,
    async close() {
      await close();
      await rm(tmp, { recursive: true, force: true });
    },
  };
}
