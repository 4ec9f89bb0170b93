// The app served by Vite on a free localhost port: the dev server (as `npm start` runs it) or a
// production build under `vite preview`. Caches and builds go to temporary folders so that
// parallel runs in one checkout do not trip over each other.
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build, createServer, preview } from 'vite';

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

export type ServeMode = 'dev' | 'preview';

export async function startAppServer(mode: ServeMode): Promise<AppServer> {
  const tmp = await mkdtemp(join(tmpdir(), 'vite-app-'));
  const port = await freePort();
  const common = {
    root: ROOT,
    configFile: join(ROOT, 'vite.config.ts'),
    cacheDir: join(tmp, 'cache'),
    logLevel: 'warn' as const,
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
