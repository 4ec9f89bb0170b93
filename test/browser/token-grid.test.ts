// The Token Grid view in Chromium, on the tiny AR pack served by the dev server: an AR Sampler's
// grid shows in code colours beside its decoded image; on a second AR Sampler fed that grid, the
// Inspector draws the wired grid, a click on a token masks it (the node's mask parameter, one undo
// step), and running again redraws that token only. Screenshots go to test-artifacts/token-grid/.
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeTinyArPack } from '../../models/train/tiny-ar-pack.ts';
import { chromiumMissing, chromiumMissingMessage } from './chromium.ts';
import { dropFiles, node, nodes, openEditor, runFinished, type OpenApp } from './editor-page.ts';
import { ROOT } from './server.ts';

const skip = chromiumMissing && !process.env.CI;
if (skip) console.warn(`skipping browser tests: ${chromiumMissingMessage}`);

const ARTIFACTS = join(ROOT, 'test-artifacts', 'token-grid');
/** Under the dev server's root, so the browser fetches it as it fetches a pack of the user's. */
const PACK = 'test-artifacts/tiny-ar-pack';

const edge = (source: string, sourceHandle: string, target: string, targetHandle: string) => ({ id: `${source}.${sourceHandle}->${target}.${targetHandle}`, source, sourceHandle, target, targetHandle });
const GRAPH = {
  version: 2,
  title: 'AR: masked regeneration',
  nodes: [
    { id: 'model', type: 'model-loader', params: { pack: PACK }, position: { x: 40, y: 40 } },
    { id: 'prompt', type: 'text-prompt', params: { text: 'a cat' }, position: { x: 40, y: 300 } },
    { id: 'draw', type: 'ar-sampler', params: { seed: 1, revealEvery: 8 }, position: { x: 360, y: 40 } },
    { id: 'redraw', type: 'ar-sampler', params: { seed: 2, revealEvery: 0 }, position: { x: 700, y: 40 } },
  ],
  edges: [
    edge('model', 'model', 'draw', 'model'),
    edge('prompt', 'prompt', 'draw', 'prompt'),
    edge('model', 'model', 'redraw', 'model'),
    edge('prompt', 'prompt', 'redraw', 'prompt'),
    edge('draw', 'tokens', 'redraw', 'tokens'),
  ],
};

async function shot(page: Page, name: string) {
  await mkdir(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`) });
}

/** The colour of the pixel at (x, y) of a canvas, in the canvas's own pixels. */
const pixel = (page: Page, testId: string, x: number, y: number) =>
  page.getByTestId(testId).first().evaluate((c, [x, y]) => Array.from((c as HTMLCanvasElement).getContext('2d')!.getImageData(x, y, 1, 1).data.slice(0, 3)), [x, y] as const);

describe.skipIf(skip).sequential('the Token Grid view in Chromium', () => {
  let app: OpenApp;
  let page: Page;

  beforeAll(async () => {
    await writeTinyArPack(join(ROOT, PACK));
    app = await openEditor({ width: 1400, height: 900 });
    page = app.page;
  }, 180_000);

  afterAll(async () => {
    await app?.close();
    await rm(join(ROOT, PACK), { recursive: true, force: true });
  });

  it('shows a sampled grid in code colours beside its decoded image', async () => {
    const pane = (await page.locator('.react-flow__pane').boundingBox())!;
    await dropFiles(page, [{ name: 'graph.json', mime: 'application/json', bytes: new TextEncoder().encode(JSON.stringify(GRAPH)) }], { x: pane.x + pane.width / 2, y: pane.y + pane.height / 2 });
    await expect.poll(() => page.getByTestId('canvas').getAttribute('data-node-count')).toBe('4');
    await page.getByTestId('run').click();
    await runFinished(page, 120_000);
    const draw = node(page, 'draw');
    await expect.poll(() => draw.getByTestId('token-grid').count()).toBe(1);
    // The decoded image sits beside the grid, not a second time below it.
    expect(await draw.getByTestId('result-image').count()).toBe(1);
    expect(await draw.getByTestId('token-grid-result').count()).toBe(1);
    await shot(page, '01-grid-beside-image');
  });

  it('masks a clicked token of the wired grid on the second sampler, and redraws only that token', async () => {
    await node(page, 'redraw').locator('header').click();
    const grid = page.getByTestId('token-mask-grid');
    await grid.waitFor();
    await expect(page.getByTestId('token-mask-count').innerText()).resolves.toMatch(/^0 of 64 tokens masked/);
    const before = await pixel(page, 'token-mask-grid', 8 * 2 + 3, 8 * 1 + 3);
    // A click in the token at row 1, column 2 masks position 10: its cell turns grey.
    await grid.scrollIntoViewIfNeeded();
    const box = (await grid.boundingBox())!;
    await page.mouse.click(box.x + (box.width * 2.5) / 8, box.y + (box.height * 1.5) / 8);
    await expect.poll(() => page.getByTestId('token-mask-count').innerText()).toMatch(/^1 of 64 tokens masked/);
    expect(await pixel(page, 'token-mask-grid', 8 * 2 + 3, 8 * 1 + 3)).not.toEqual(before);
    await expect(page.getByTestId('field-masked').locator('textarea').count()).resolves.toBe(0);
    await shot(page, '02-token-masked');

    await page.getByTestId('inspector-run-to').click();
    await runFinished(page, 120_000);
    await expect.poll(() => node(page, 'redraw').getAttribute('data-status')).toBe('done');
    // Every token but the masked one is the first sampler's: compare the two grids cell by cell.
    const centres = (id: string) =>
      node(page, id).getByTestId('token-grid').evaluate((c) => {
        const d = (c as HTMLCanvasElement).getContext('2d')!.getImageData(0, 0, 64, 64).data;
        return Array.from({ length: 64 }, (_, i) => Array.from(d.slice((((i >> 3) * 8 + 3) * 64 + (i % 8) * 8 + 3) * 4, (((i >> 3) * 8 + 3) * 64 + (i % 8) * 8 + 3) * 4 + 3)).join());
      });
    const [a, b] = [await centres('draw'), await centres('redraw')];
    expect(a.flatMap((v, i) => (v === b[i] ? [] : [i])).filter((i) => i !== 10)).toEqual([]);
    // Undo takes the mask back in one step.
    await page.locator('.react-flow__pane').click({ position: { x: 10, y: 10 } });
    await page.keyboard.press('Control+z');
    await node(page, 'redraw').locator('header').click();
    await expect.poll(() => page.getByTestId('token-mask-count').innerText()).toMatch(/^0 of 64 tokens masked/);
    expect(app.log.filter((l) => !/favicon/.test(l))).toEqual([]);
  });
});
