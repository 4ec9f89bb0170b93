// The editor end to end, as a person would use it, in Debian's Chromium on the Vite dev server:
// open, run, change a parameter, undo, build a graph from the palette, refuse a wrong wire,
// watch progress, reload into the autosave, export a PNG and drop it back. Screenshots of each
// step go to test-artifacts/editor/.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumMissing, chromiumMissingMessage } from './chromium.ts';
import { dragWire, dropFiles, edges, handle, node, nodes, openApp, runFinished, screenshot, statuses, type OpenApp } from './editor-page.ts';
import { ROOT } from './server.ts';

const skip = chromiumMissing && !process.env.CI;
if (skip) console.warn(`skipping browser tests: ${chromiumMissingMessage}`);

describe.skipIf(skip).sequential('editor in Chromium', () => {
  let app: OpenApp;
  let page: Page;
  let log: string[];
  const EXAMPLE = ['loader', 'resize', 'noise', 'blend', 'preview', 'save'];

  beforeAll(async () => {
    app = await openApp({ width: 1400, height: 900 });
    ({ page, log } = app);
  }, 120_000);

  afterAll(async () => {
    await app?.close();
  });

  it('opens the default example graph', async () => {
    await page.goto(app.url);
    await nodes(page).first().waitFor();
    expect(await nodes(page).count()).toBe(6);
    expect(await edges(page).count()).toBe(6);
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
    await screenshot(page, '01-open');
  });

  it('runs it in workers with previews on the nodes', async () => {
    await page.getByTestId('run').click();
    await runFinished(page);
    expect(await statuses(page, EXAMPLE)).toEqual(Object.fromEntries(EXAMPLE.map((id) => [id, 'done'])));
    await expect.poll(() => node(page, 'preview').getByTestId('result-image').count()).toBe(1);
    await expect.poll(() => node(page, 'save').getByTestId('download-file').count()).toBe(4);
    await screenshot(page, '02-run');
    expect(log.filter((l) => !/favicon/.test(l))).toEqual([]);
  });

  it('re-runs only the nodes downstream of a changed parameter', async () => {
    await node(page, 'blend').locator('header').click();
    const alpha = page.getByTestId('field-alpha').locator('input.number');
    await alpha.fill('0.8');
    await page.getByTestId('run').click();
    await runFinished(page);
    expect(await statuses(page, EXAMPLE)).toEqual({ loader: 'cached', resize: 'cached', noise: 'cached', blend: 'done', preview: 'done', save: 'done' });
    await screenshot(page, '03-rerun-downstream');
  });

  it('undoes and redoes the change as one step', async () => {
    await page.locator('.react-flow__pane').click({ position: { x: 40, y: 40 } });
    await page.keyboard.press('Control+z');
    await node(page, 'blend').locator('header').click();
    await expect(page.getByTestId('field-alpha').locator('input.number').inputValue()).resolves.toBe('0.35');
    await page.locator('.react-flow__pane').click({ position: { x: 40, y: 40 } });
    await page.keyboard.press('Control+Shift+z');
    await node(page, 'blend').locator('header').click();
    await expect(page.getByTestId('field-alpha').locator('input.number').inputValue()).resolves.toBe('0.8');
    await screenshot(page, '04-undo-redo');
  });

  it('builds a graph from the palette and refuses a wrong wire with the reason', async () => {
    await page.getByRole('button', { name: 'New' }).click();
    await expect.poll(() => nodes(page).count()).toBe(0);
    const pane = (await page.locator('.react-flow__pane').boundingBox())!;
    const add = async (x: number, y: number, query: string) => {
      await page.mouse.dblclick(pane.x + x, pane.y + y);
      await page.getByTestId('palette-search').fill(query);
      await page.keyboard.press('Enter');
    };
    await add(80, 80, 'noise');
    await add(80, 420, 'text prompt');
    await add(520, 120, 'preview');
    await expect.poll(() => nodes(page).count()).toBe(3);
    await screenshot(page, '05-palette');

    await dragWire(page, handle(page, 'text-prompt-1', 'prompt', 'source'), handle(page, 'preview-1', 'images', 'target'));
    await page.getByTestId('wire-reason').waitFor();
    await screenshot(page, '06-wrong-wire');
    await page.mouse.up();
    await expect.poll(() => page.getByTestId('toast').filter({ hasText: 'Preview · images takes image, but Text Prompt · prompt gives prompt' }).count()).toBe(1);
    expect(await edges(page).count()).toBe(0);

    await dragWire(page, handle(page, 'seed-noise-1', 'image', 'source'), handle(page, 'preview-1', 'images', 'target'));
    await page.mouse.up();
    await expect.poll(() => edges(page).count()).toBe(1);

    // A wire dropped on empty canvas opens the palette with only the nodes that take it.
    await dragWire(page, handle(page, 'seed-noise-1', 'image', 'source'), { x: pane.x + 520, y: pane.y + 520 });
    await page.mouse.up();
    await page.getByTestId('palette').waitFor();
    const offered = await page.locator('[data-testid^="palette-item-"]').evaluateAll((els) => els.map((e) => e.getAttribute('data-testid')!.slice(13)));
    expect(offered).toEqual(expect.arrayContaining(['resize-crop', 'blend', 'preview', 'save-image']));
    expect(offered).not.toContain('text-prompt');
    expect(offered).not.toContain('seed-noise');
    await screenshot(page, '07-wire-to-palette');
    await page.getByTestId('palette-search').fill('blend');
    await page.keyboard.press('Enter');
    await expect.poll(() => edges(page).count()).toBe(2);
    await expect.poll(() => page.locator('.react-flow__edge[data-id="seed-noise-1.image->blend-1.a"]').count()).toBe(1);
  });

  it('duplicates, groups, undoes, and shows the framework overlay and the method panel', async () => {
    await node(page, 'seed-noise-1').locator('header').click();
    await page.keyboard.press('Control+d');
    await expect.poll(() => nodes(page).count()).toBe(5);
    await page.keyboard.press('Control+z');
    await expect.poll(() => nodes(page).count()).toBe(4);
    await page.keyboard.press('Control+a');
    await page.keyboard.press('Control+g');
    await expect.poll(() => page.locator('.react-flow__node-frame').count()).toBe(1);
    await page.keyboard.press('l');
    await expect.poll(() => page.getByTestId('framework-tags').count()).toBe(4);
    await expect(node(page, 'seed-noise-1').getByTestId('framework-tags').innerText()).resolves.toMatch(/space: noise/);
    await page.getByTestId('tab-method').click();
    await expect(page.getByTestId('method-name').innerText()).resolves.toBe('Not a personalization method yet');
    await screenshot(page, '08-framework-overlay');
    await page.keyboard.press('?');
    await page.getByTestId('dialog-shortcuts').waitFor();
    await screenshot(page, '09-shortcuts');
    await page.keyboard.press('Escape');
    await page.keyboard.press('l');
    await page.getByTestId('tab-inspector').click();
    await page.keyboard.press('Control+z');
    await expect.poll(() => page.locator('.react-flow__node-frame').count()).toBe(0);
  });

  it('shows progress on a long node and runs up to a node past a half-built branch', async () => {
    await node(page, 'seed-noise-1').locator('header').click();
    for (const [name, value] of [['width', '1024'], ['height', '1024'], ['batch', '2']])
      await page.getByTestId(`field-${name}`).locator('input.number').fill(value);
    await node(page, 'preview-1').locator('header').click();
    await page.getByTestId('inspector-run-to').click();
    await node(page, 'seed-noise-1').getByTestId('progress').waitFor({ timeout: 30_000 });
    await screenshot(page, '10-progress');
    await runFinished(page, 90_000);
    expect(await statuses(page, ['seed-noise-1', 'preview-1'])).toEqual({ 'seed-noise-1': 'done', 'preview-1': 'done' });
    await expect.poll(() => node(page, 'preview-1').getByTestId('result-image').count()).toBe(1);
    await screenshot(page, '11-run-to');

    // Stop: a new seed makes the long node run again; stopping it leaves it stopped, not failed.
    await node(page, 'seed-noise-1').locator('header').click();
    await page.getByTestId('field-seed').locator('input.number').fill('99');
    // Three times the work, so that the stop lands while it runs on a fast or idle machine too.
    await page.getByTestId('field-batch').locator('input.number').fill('6');
    await page.keyboard.press('Control+Enter');
    await node(page, 'seed-noise-1').getByTestId('progress').waitFor({ timeout: 30_000 });
    await page.getByTestId('stop').click();
    await page.locator('[data-testid="run-status"][data-outcome="cancelled"]').waitFor({ timeout: 30_000 });
    // The node cut short says so (the noise itself may just have finished before the stop).
    const after = await statuses(page, ['seed-noise-1', 'preview-1']);
    expect(Object.values(after)).toContain('stopped');
    expect(Object.values(after)).not.toContain('error');
    await expect(page.getByTestId('node-stopped').first().innerText()).resolves.toMatch(/^Stopped before it finished/);
  });

  it('restores the graph from the autosave after a reload', async () => {
    await page.waitForTimeout(600);
    await page.reload();
    await nodes(page).first().waitFor();
    const ids = await nodes(page).evaluateAll((els) => els.map((e) => e.getAttribute('data-id')).sort());
    expect(ids).toEqual(['blend-1', 'preview-1', 'seed-noise-1', 'text-prompt-1']);
    expect(await edges(page).count()).toBe(2);
    await screenshot(page, '12-reloaded');
  });

  it('exports a PNG with the graph and reopens the graph when it is dropped back', async () => {
    await page.getByTestId('examples').click();
    await page.getByTestId('example-emoji-blend').click();
    await page.getByTestId('run').click();
    await runFinished(page);
    const [download] = await Promise.all([page.waitForEvent('download'), node(page, 'preview').getByTestId('export-png').click()]);
    const path = join(ROOT, 'test-artifacts', 'editor', 'exported.png');
    await download.saveAs(path);
    const png = new Uint8Array(await readFile(path));

    await page.getByRole('button', { name: 'New' }).click();
    await expect.poll(() => nodes(page).count()).toBe(0);
    const pane = (await page.locator('.react-flow__pane').boundingBox())!;
    await dropFiles(page, [{ name: 'exported.png', mime: 'image/png', bytes: png }], { x: pane.x + 300, y: pane.y + 300 });
    await expect.poll(() => nodes(page).count()).toBe(6);
    expect(await edges(page).count()).toBe(6);
    await screenshot(page, '13-png-reopened');

    // A picture without a graph becomes an Image Loader instead.
    const cat = new Uint8Array(await readFile(join(ROOT, 'public/samples/1f431.png')));
    await dropFiles(page, [{ name: 'cat.png', mime: 'image/png', bytes: cat }], { x: pane.x + 200, y: pane.y + 200 });
    await expect.poll(() => page.locator('[data-type="image-loader"]').count()).toBe(2);
    await page.locator('[data-type="image-loader"]').last().locator('header').click();
    await expect(page.getByTestId('field-sources').innerText()).resolves.toMatch(/cat\.png · \d+ KB/);
    await screenshot(page, '14-image-dropped');
  });

  it('shows an error on the node that failed, and drags a node in from the library', async () => {
    const id = 'loader';
    const loader = node(page, id);
    await loader.locator('header').click();
    await page.getByTestId('field-sources').locator('textarea').fill('samples/no-such-image.png');
    await loader.getByTestId('run-to').click();
    await node(page, id).getByTestId('node-error').waitFor();
    // The dev server answers a missing file with the app's page; the loader says "not found".
    await expect(node(page, id).getByTestId('node-error').innerText()).resolves.toMatch(/cannot read samples\/no-such-image\.png: not found/);
    await screenshot(page, '15-node-error');

    const before = await nodes(page).count();
    await page.getByTestId('library-item-text-prompt').dragTo(page.locator('.react-flow__pane'), { targetPosition: { x: 120, y: 120 } });
    await expect.poll(() => nodes(page).count()).toBe(before + 1);
  });
});
