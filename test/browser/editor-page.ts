// Helpers that drive the editor as a person would: mouse drags between handles, the keyboard,
// files dropped on the canvas; plus screenshots of each step into test-artifacts/.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { chromiumMissing, chromiumMissingMessage, launchChromium } from './chromium.ts';
import { ROOT, startAppServer } from './server.ts';

export const ARTIFACTS = join(ROOT, 'test-artifacts', 'editor');

export interface OpenApp {
  url: string;
  page: Page;
  /** Console errors, uncaught page errors and the dev server's late bundles, in order. */
  log: string[];
  close(): Promise<void>;
}

/** The app on the dev server (as `npm start` serves it) in a fresh Chromium page of the given size. */
export async function openApp(viewport: { width: number; height: number }): Promise<OpenApp> {
  if (chromiumMissing) throw new Error(chromiumMissingMessage);
  const log: string[] = [];
  const server = await startAppServer('dev', (m) => log.push(`vite: ${m}`));
  const browser = await launchChromium();
  const page = await browser.context.newPage();
  await page.setViewportSize(viewport);
  page.on('console', (m) => m.type() === 'error' && log.push(`console: ${m.text()}`));
  page.on('pageerror', (e) => log.push(`pageerror: ${e.message}`));
  return {
    url: server.url,
    page,
    log,
    async close() {
      await browser.close();
      await server.close();
    },
  };
}

/** The app opened on its start page, its first node drawn (a busy machine can take a while to serve the dev server's first page). */
export async function openEditor(viewport: { width: number; height: number }): Promise<OpenApp> {
  const app = await openApp(viewport);
  await app.page.goto(app.url, { timeout: 100_000 });
  await nodes(app.page).first().waitFor({ timeout: 60_000 });
  return app;
}

export async function screenshot(page: Page, name: string) {
  await mkdir(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`) });
}

export const nodes = (page: Page) => page.locator('.react-flow__node-workbench');
export const edges = (page: Page) => page.locator('.react-flow__edge');
export const node = (page: Page, id: string) => page.getByTestId(`node-${id}`);
export const handle = (page: Page, nodeId: string, port: string, side: 'source' | 'target') =>
  page.locator(`.react-flow__handle[data-nodeid="${nodeId}"][data-handleid="${port}"].${side}`);

async function centre(page: Page, selector: ReturnType<Page['locator']>) {
  const box = await selector.boundingBox();
  if (!box) throw new Error('element is not visible');
  return { x: box.x + box.width / 2, y: box.y + box.height / 2 };
}

/** Press on a handle and drag, in small steps as a hand would, to a point or another handle. */
export async function dragWire(page: Page, from: ReturnType<Page['locator']>, to: ReturnType<Page['locator']> | { x: number; y: number }) {
  const a = await centre(page, from);
  const b = 'x' in to ? to : await centre(page, to);
  await page.mouse.move(a.x, a.y);
  await page.mouse.down();
  await page.mouse.move((a.x + b.x) / 2, (a.y + b.y) / 2, { steps: 8 });
  await page.mouse.move(b.x, b.y, { steps: 8 });
}

/** Drop files on the canvas the way the browser delivers a drop from the desktop. */
export async function dropFiles(page: Page, files: { name: string; mime: string; bytes: Uint8Array }[], at: { x: number; y: number }) {
  await page.evaluate(
    ({ files, at }) => {
      const dt = new DataTransfer();
      for (const f of files) dt.items.add(new File([new Uint8Array(f.bytes)], f.name, { type: f.mime }));
      const target = document.elementFromPoint(at.x, at.y) ?? document.querySelector('.react-flow__pane')!;
      for (const type of ['dragenter', 'dragover', 'drop'])
        target.dispatchEvent(new DragEvent(type, { dataTransfer: dt, bubbles: true, cancelable: true, clientX: at.x, clientY: at.y }));
    },
    { files: files.map((f) => ({ ...f, bytes: [...f.bytes] })), at },
  );
}

/** Statuses of the given nodes in the last run. */
export const statuses = (page: Page, ids: string[]) =>
  Promise.all(ids.map(async (id) => [id, await node(page, id).getAttribute('data-status')] as const)).then(Object.fromEntries);

export async function runFinished(page: Page, timeout = 60_000) {
  await page.locator('[data-testid="run-status"][data-outcome="finished"]').waitFor({ timeout });
}
