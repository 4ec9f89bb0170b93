// The editor as a new user meets it, in Debian's Chromium at 1400×900: examples that open
// readable, a learner's view that reads each graph exactly, a layout that holds with long text,
// forms with human labels, adding nodes from the library, results that say when they are stale,
// a stop reported as a stop, results in a viewer and the Inspector, one's own pictures, and a
// reload that brings results back. Screenshots go to test-artifacts/editor-ux/ (and, with
// DOCS_SCREENSHOTS=1, the main views to docs/screenshots/ for the README).
import { copyFile, mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumMissing, chromiumMissingMessage } from './chromium.ts';
import { dropFiles, node, nodes, openEditor, runFinished, statuses, type OpenApp } from './editor-page.ts';
import { ROOT } from './server.ts';
import { reducedParams, type ExampleNode } from '../reduced-steps.ts';

const skip = chromiumMissing && !process.env.CI;
if (skip) console.warn(`skipping browser tests: ${chromiumMissingMessage}`);

const ARTIFACTS = join(ROOT, 'test-artifacts', 'editor-ux');
const DOCS = join(ROOT, 'docs', 'screenshots');

async function shot(page: Page, name: string, docs = false) {
  await mkdir(ARTIFACTS, { recursive: true });
  const path = join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path });
  if (docs && process.env.DOCS_SCREENSHOTS) await copyFile(path, join(DOCS, `${name}.png`));
}

/** The canvas's zoom, read from the viewport's transform. */
const zoom = (page: Page) =>
  page.evaluate(() => new DOMMatrix(getComputedStyle(document.querySelector('.react-flow__viewport')!).transform).a);

type Box = { x: number; y: number; width: number; height: number };
const overlap = (a: Box, b: Box) => a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;

/** Screen boxes of every node drawn on the canvas. */
const nodeBoxes = (page: Page) => nodes(page).evaluateAll((els) => els.map((e) => ({ id: e.getAttribute('data-id')!, ...e.getBoundingClientRect().toJSON() })));

async function openExample(page: Page, id: string) {
  await page.getByTestId('examples').click();
  await page.getByTestId(`example-${id}`).click();
  await expect.poll(() => page.getByTestId('dialog-examples').count()).toBe(0);
  await nodes(page).first().waitFor();
}

/** A graph file dropped on the canvas, its steps reduced as the headless tests reduce them. */
async function dropGraph(page: Page, doc: { title?: string; nodes: ExampleNode[] }, reduce = true) {
  const g = reduce ? { ...doc, nodes: doc.nodes.map((n) => ({ ...n, params: { ...n.params, ...reducedParams(n) } })) } : doc;
  const pane = (await page.locator('.react-flow__pane').boundingBox())!;
  await dropFiles(page, [{ name: 'graph.json', mime: 'application/json', bytes: new TextEncoder().encode(JSON.stringify(g)) }], { x: pane.x + pane.width / 2, y: pane.y + pane.height / 2 });
  // Nodes out of view are not drawn, so the count is the canvas's own.
  await expect.poll(() => page.getByTestId('canvas').getAttribute('data-node-count')).toBe(String(g.nodes.length));
}

const example = async (id: string) => JSON.parse(await readFile(join(ROOT, 'graphs', `${id}.json`), 'utf8')) as { title: string; nodes: ExampleNode[]; edges: unknown[] };

describe.skipIf(skip).sequential('the editor as a new user meets it', () => {
  let app: OpenApp;
  let page: Page;

  beforeAll(async () => {
    app = await openEditor({ width: 1400, height: 900 });
    page = app.page;
  }, 180_000);

  afterAll(async () => {
    await app?.close();
  });

  it('shows every example with a thumbnail, its text inside its card', async () => {
    await page.getByTestId('examples').click();
    const dialog = page.getByTestId('dialog-examples');
    await dialog.waitFor();
    const cards = dialog.locator('.card');
    const count = await cards.count();
    expect(count).toBeGreaterThanOrEqual(9);
    await expect.poll(() => dialog.getByTestId('example-thumbnail').evaluateAll((imgs) => imgs.filter((i) => (i as HTMLImageElement).naturalWidth > 0).length), { timeout: 20_000 }).toBe(count);
    // No title or description spills out of its card onto a neighbour.
    const spills = await cards.evaluateAll((els) =>
      els.flatMap((card) => {
        const c = card.getBoundingClientRect();
        return [...card.children].filter((child) => {
          const r = child.getBoundingClientRect();
          return r.left < c.left - 0.5 || r.right > c.right + 0.5 || r.bottom > c.bottom + 0.5;
        }).map((child) => `${card.getAttribute('data-testid')}: ${child.tagName}`);
      }),
    );
    expect(spills).toEqual([]);
    await shot(page, 'examples-gallery', true);
    await page.keyboard.press('Escape');
  });

  it('opens a ten-node example at a zoom where titles, tags and pictures read, with no minimap over a node', async () => {
    await openExample(page, 'textual-inversion');
    await expect.poll(() => zoom(page)).toBeGreaterThanOrEqual(0.75);
    expect(await page.locator('.canvas.far, .canvas.tiny').count()).toBe(0);
    expect(await page.locator('.wb-node.lite').count()).toBe(0);
    // The titles are drawn at a size one can read.
    const titlePx = await page.locator('.node-title').first().evaluate((e) => parseFloat(getComputedStyle(e).fontSize) * new DOMMatrix(getComputedStyle(document.querySelector('.react-flow__viewport')!).transform).a);
    expect(titlePx).toBeGreaterThanOrEqual(9.5);
    await page.waitForTimeout(400);
    const map = await page.locator('.react-flow__minimap').boundingBox();
    if (map) for (const b of await nodeBoxes(page)) expect(overlap(map, b), `minimap covers ${b.id}`).toBe(false);

    // The framework tags are legible at this zoom, and the Decoder's latent is not the graph's space.
    await page.getByTestId('overlay-toggle').check();
    const tag = page.getByTestId('framework-tags').locator('.tag').first();
    expect((await tag.boundingBox())!.height).toBeGreaterThanOrEqual(13);
    await page.getByTestId('tab-method').click();
    await expect(page.getByTestId('method-name').innerText()).resolves.toBe('Textual Inversion');
    await expect(page.getByTestId('choice-space').locator('dd').innerText()).resolves.toBe('text-embedding');
    // Nodes that make no choice (the Model Loader, Metrics) are not listed as blank rows.
    const rows = await page.getByTestId('placements').locator('td').allInnerTexts();
    expect(rows.every((r) => r.trim().length > 0)).toBe(true);
    await shot(page, 'textual-inversion-framework', true);
  });

  it('names the three-branch decoder inversion a comparison, and a text-to-image graph as no inversion', async () => {
    await openExample(page, 'decoder-inversion');
    await expect(page.getByTestId('method-name').innerText()).resolves.toBe('A comparison of 3 methods');
    await expect(page.getByTestId('method-branches').locator('li').count()).resolves.toBe(3);
    const rows = await page.getByTestId('placements').locator('th').allInnerTexts();
    expect(rows.filter((r) => r.startsWith('Decoder'))).toEqual(['Decoder ×3']);
    await shot(page, 'decoder-inversion-method', true);

    const ti = await example('textual-inversion');
    const keep = new Set(['model', 'prompt', 'sampler', 'decoder', 'preview']);
    await dropGraph(page, { ...ti, title: 'Text to image', nodes: ti.nodes.filter((n) => keep.has(n.id)), edges: (ti.edges as { source: string; target: string }[]).filter((e) => keep.has(e.source) && keep.has(e.target)) } as never, false);
    await expect(page.getByTestId('method-name').innerText()).resolves.toBe('Not a personalization method yet');
    await expect(page.getByTestId('choice-space').locator('dd').innerText()).resolves.toBe('not chosen');
    await page.getByTestId('overlay-toggle').uncheck();
    await page.getByTestId('tab-inspector').click();

    // The survey is cited, with its authors, in the About panel.
    await page.getByTestId('about-button').click();
    const citation = await page.getByTestId('survey-citation').innerText();
    expect(citation).toMatch(/Personalized image generation with deep generative models: A decade survey/);
    expect(citation).toMatch(/Yuxiang Wei.*Wangmeng Zuo/);
    expect(citation).toMatch(/Computational Visual Media/);
    await page.keyboard.press('Escape');
  });

  it('keeps the page within a 1400-pixel window with a long graph title', async () => {
    await page.locator('.react-flow__pane').click({ position: { x: 30, y: 30 } });
    const title = page.getByTestId('inspector').locator('input[type="text"]').first();
    await title.fill('A very long graph title that a person might give a graph when they describe everything it does in one breath');
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(1400);
    const about = (await page.getByTestId('about-button').boundingBox())!;
    expect(about.x + about.width).toBeLessThanOrEqual(1400);
    const panel = (await page.locator('.side-panel').boundingBox())!;
    expect(panel.x + panel.width).toBeLessThanOrEqual(1400);
    await shot(page, 'long-title');
  });

  it('labels every field for people, with help, and hides what does not apply', async () => {
    await openExample(page, 'textual-inversion');
    await node(page, 'sampler').locator('header').click();
    const label = (name: string) => page.getByTestId(`field-${name}`).locator('.field-label').innerText();
    await expect(label('guidance')).resolves.toBe('Guidance');
    await expect(page.getByTestId('field-guidance').locator('.field-help').innerText()).resolves.toMatch(/prompt/);
    expect(await page.getByTestId('field-eta').count()).toBe(0); // DPM-Solver++ has no η
    await page.getByTestId('field-sampler').locator('select').selectOption('ddim');
    await expect.poll(() => page.getByTestId('field-eta').count()).toBe(1);
    await expect(label('eta')).resolves.toBe('DDIM η');
    // The seed button is drawn, not an emoji that needs a font.
    expect(await page.getByTestId('randomize-seed').locator('svg').count()).toBe(1);
    await shot(page, 'sampler-form', true);
    await page.keyboard.press('Control+z');
    await node(page, 'ti').locator('header').click();
    await expect(label('lr')).resolves.toBe('Learning rate');
    expect(await page.getByTestId('field-ddimSteps').count()).toBe(0); // only for the noise space
  });

  it('adds the first library hit with Enter, finds model nodes by "model", and never drops a node on another', async () => {
    await page.getByRole('button', { name: 'New' }).click();
    const search = page.getByTestId('library-search');
    await search.fill('model');
    const listed = await page.locator('[data-testid^="library-item-"]').evaluateAll((els) => els.map((e) => e.getAttribute('data-testid')!.slice(13)));
    expect(listed[0]).toBe('model-loader');
    expect(listed).not.toContain('blend');
    expect(listed).not.toContain('metrics');
    await search.press('Enter');
    await expect.poll(() => nodes(page).count()).toBe(1);
    await search.fill('');
    for (let i = 0; i < 3; i++) await page.getByTestId('library-item-blend').click();
    await expect.poll(() => nodes(page).count()).toBe(4);
    const boxes = await nodeBoxes(page);
    for (const a of boxes) for (const b of boxes) if (a.id < b.id) expect(overlap(a, b), `${a.id} on ${b.id}`).toBe(false);
  });

  it('marks results stale after an edit, clears the summary on New, and reports a stop as a stop', async () => {
    await openExample(page, 'emoji-blend');
    await page.getByTestId('run').click();
    await runFinished(page);
    await node(page, 'blend').locator('header').click();
    await page.getByTestId('field-alpha').locator('input.number').fill('0.9');
    // The edited node and everything below it are stale; what is upstream is still true.
    await expect.poll(() => statuses(page, ['loader', 'noise', 'blend', 'preview'])).toEqual({ loader: 'done', noise: 'done', blend: 'stale', preview: 'stale' });
    await expect(node(page, 'preview').getByTestId('node-result').getAttribute('data-stale')).resolves.toBe('true');
    await expect(node(page, 'loader').getByTestId('node-result').getAttribute('data-stale')).resolves.toBe('false');
    await expect(page.getByTestId('run-status').innerText()).resolves.toMatch(/graph changed since/);
    await shot(page, 'stale-results', true);
    await page.keyboard.press('Control+z');
    await expect.poll(() => statuses(page, ['blend', 'preview'])).toEqual({ blend: 'done', preview: 'done' });

    await page.getByRole('button', { name: 'New' }).click();
    await expect(page.getByTestId('run-status').innerText()).resolves.toBe('');

    // A long node, stopped: it says stopped, the toolbar counts nodes not run, nothing failed.
    await dropGraph(page, { version: 2, title: 'Long noise', nodes: [{ id: 'noise', type: 'seed-noise', params: { width: 1400, height: 1400, batch: 3 }, position: { x: 0, y: 0 } } as never, { id: 'preview', type: 'preview', params: {}, position: { x: 320, y: 0 } } as never], edges: [{ id: 'e', source: 'noise', sourceHandle: 'image', target: 'preview', targetHandle: 'images' }] } as never, false);
    await page.getByTestId('run').click();
    await node(page, 'noise').getByTestId('progress').waitFor({ timeout: 30_000 });
    await page.getByTestId('stop').click();
    await page.locator('[data-testid="run-status"][data-outcome="cancelled"]').waitFor({ timeout: 30_000 });
    expect(await statuses(page, ['noise'])).toEqual({ noise: 'stopped' });
    expect(await page.getByTestId('node-error').count()).toBe(0);
    const status = await page.getByTestId('run-status').innerText();
    expect(status).toMatch(/^stopped: .*not run/);
    expect(status).not.toMatch(/failed/);
  });

  it('shows results large: a viewer with the batch beside its references, outputs and scaled metrics in the Inspector', async () => {
    await dropGraph(page, await example('decoder-inversion'));
    await page.getByTestId('run').click();
    await runFinished(page, 240_000);
    await page.keyboard.press('f');
    // No minimap once the whole graph is in view (checked when the fit comes to rest).
    await expect.poll(() => page.locator('.react-flow__minimap').count(), { timeout: 10_000 }).toBe(0);

    // The optimizer's loss curve carries its scale.
    await node(page, 'optimize').locator('header').click();
    const outputs = page.getByTestId('inspector-outputs');
    expect(await outputs.getByTestId('sparkline-axis').count()).toBe(1);
    // Metrics in the Inspector, each on its scale with the line it is read against.
    await node(page, 'm-optimize').locator('header').click();
    await expect.poll(() => outputs.getByTestId('metric-line').count()).toBeGreaterThanOrEqual(3);
    const lines = await outputs.getByTestId('metric-line').allInnerTexts();
    expect(lines.some((l) => /^floor /.test(l))).toBe(true);
    expect(lines.some((l) => /^ceiling /.test(l))).toBe(true);
    await shot(page, 'metrics-in-inspector', true);

    // A click on a decoded batch opens the viewer: each 64×64 picture at a whole-number scale,
    // beside the references it came from.
    await node(page, 'dec-optimize').locator('header').click();
    await outputs.getByTestId('result-image').first().click();
    const viewer = page.getByTestId('result-viewer');
    await viewer.waitFor();
    const result = viewer.getByTestId('viewer-result').getByTestId('viewer-image');
    await expect(result.count()).resolves.toBe(2);
    for (const scale of await result.evaluateAll((cs) => cs.map((c) => Number(c.getAttribute('data-scale'))))) {
      expect(Number.isInteger(scale)).toBe(true);
      expect(scale).toBeGreaterThanOrEqual(3);
    }
    await expect(viewer.getByTestId('viewer-references').getByTestId('viewer-image').count()).resolves.toBe(2);
    await shot(page, 'result-viewer', true);
    await page.keyboard.press('Escape');
    await expect.poll(() => page.getByTestId('result-viewer').count()).toBe(0);

    // The optimizer says what it made in words, and which output its space does not make.
    const said = await node(page, 'optimize').locator('.result-text').allInnerTexts();
    expect(said).toContain('embedding: not made with these settings');
    expect(said.join(' ')).not.toMatch(/\[\d+×\d+\].*\[\d+×\d+\]|\[0×/);
  }, 300_000);

  it('brings the results and the Framework toggle back after a reload, without running', async () => {
    await page.getByTestId('overlay-toggle').check();
    await page.waitForTimeout(800); // the autosave and the kept results are written
    await page.reload({ timeout: 100_000 });
    await page.getByTestId('canvas').waitFor({ timeout: 60_000 });
    await expect(page.getByTestId('overlay-toggle').isChecked()).resolves.toBe(true);
    await page.keyboard.press('f');
    await node(page, 'dec-optimize').locator('header').click();
    await expect.poll(() => page.getByTestId('inspector-outputs').getByTestId('result-image').count(), { timeout: 20_000 }).toBe(1);
    await expect(page.getByTestId('inspector-outputs').getByTestId('node-result').getAttribute('data-stale')).resolves.toBe('false');
    await expect(page.getByTestId('run-status').innerText()).resolves.toBe('');
    await shot(page, 'reloaded-with-results');
    await page.getByTestId('overlay-toggle').uncheck();
  });

  it('loads a dropped or picked picture at the model’s size, under its own name', async () => {
    await page.getByRole('button', { name: 'New' }).click();
    const cat = new Uint8Array(await readFile(join(ROOT, 'public/samples/1f431.png')));
    const fox = await readFile(join(ROOT, 'public/samples/1f98a.png'));
    const pane = (await page.locator('.react-flow__pane').boundingBox())!;
    await dropFiles(page, [{ name: 'my-cat.png', mime: 'image/png', bytes: cat }], { x: pane.x + 200, y: pane.y + 200 });
    await page.locator('[data-type="image-loader"]').first().waitFor();
    await page.locator('[data-type="image-loader"] header').first().click();
    await expect(page.getByTestId('field-width').locator('input.number').inputValue()).resolves.toBe('64');
    await expect(page.getByTestId('picture-chip').innerText()).resolves.toMatch(/^my-cat\.png · \d+ KB/);
    // The picker adds to the same list, the file's name kept.
    await page.getByTestId('pick-files-input').setInputFiles({ name: 'fox.png', mimeType: 'image/png', buffer: fox });
    await expect.poll(() => page.getByTestId('picture-chip').allInnerTexts()).toEqual([expect.stringMatching(/^my-cat\.png/), expect.stringMatching(/^fox\.png/)]);
    await shot(page, 'own-pictures', true);

    // Set to another size and wired into a node that works with the model: it fits the model again.
    await page.getByTestId('field-width').locator('input.number').fill('256');
    await page.locator('.react-flow__pane').click({ position: { x: 30, y: 30 } });
    const search = page.getByTestId('library-search');
    for (const q of ['model loader', 'concept encoder']) {
      await search.fill(q);
      await search.press('Enter');
    }
    await search.fill('');
    await expect.poll(() => nodes(page).count()).toBe(3);
    const { dragWire, handle } = await import('./editor-page.ts');
    await dragWire(page, handle(page, 'model-loader-1', 'model', 'source'), handle(page, 'concept-encoder-1', 'model', 'target'));
    await page.mouse.up();
    await dragWire(page, handle(page, 'image-loader-1', 'images', 'source'), handle(page, 'concept-encoder-1', 'images', 'target'));
    await page.mouse.up();
    await expect.poll(() => page.getByTestId('toast').filter({ hasText: 'now loads at 64×64' }).count()).toBe(1);
    await page.locator('[data-type="image-loader"] header').first().click();
    await expect(page.getByTestId('field-width').locator('input.number').inputValue()).resolves.toBe('64');
  });
});
