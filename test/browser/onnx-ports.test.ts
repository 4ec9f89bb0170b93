// An ONNX Model node in Chromium shows its model's own ports once the file's inputs and outputs are
// recorded in it: one handle per model input and output (images for [N, 1 or 3, H, W], tensors
// otherwise) beside the fixed `lora` in and `model` out, the same list in the Inspector, and a
// wire from an image output that runs. Typing a node's file reads its ports (in a worker) and
// records them as one undo step; a file that cannot be read is the node's error.
// Screenshots go to test-artifacts/onnx-ports/.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumMissing, chromiumMissingMessage } from './chromium.ts';
import { dropFiles, edges, handle, node, nodes, openEditor, runFinished, statuses, type OpenApp } from './editor-page.ts';
import { ROOT } from './server.ts';

const skip = chromiumMissing && !process.env.CI;
if (skip) console.warn(`skipping browser tests: ${chromiumMissingMessage}`);

const ARTIFACTS = join(ROOT, 'test-artifacts', 'onnx-ports');

const edge = (source: string, sourceHandle: string, target: string, targetHandle: string) => ({ id: `${source}.${sourceHandle}->${target}.${targetHandle}`, source, sourceHandle, target, targetHandle });
// The shipped generator, its ports as choosing the file records them.
const PORTS = {
  inputs: [{ name: 'z', dtype: 'float32', shape: [1, 32] }],
  outputs: [{ name: 'image', dtype: 'float32', shape: [1, 3, 16, 16] }],
};
const GRAPH = {
  version: 2,
  title: 'ONNX ports',
  nodes: [
    { id: 'gen', type: 'onnx-model', params: { source: 'models/onnx-generator/generator.onnx', range: '-1..1', seed: 3, ports: PORTS }, position: { x: 40, y: 40 } },
    { id: 'old', type: 'onnx-model', params: { source: 'models/onnx-generator/generator.onnx', range: '-1..1' }, position: { x: 40, y: 360 } },
    { id: 'preview', type: 'preview', params: { columns: 2, cell: 64 }, position: { x: 420, y: 40 } },
  ],
  edges: [edge('gen', 'image', 'preview', 'images'), edge('old', 'images', 'preview', 'images')],
};

const handleIds = (page: Page, id: string, side: 'source' | 'target') =>
  page.locator(`.react-flow__handle[data-nodeid="${id}"].${side}`).evaluateAll((els) => els.map((e) => e.getAttribute('data-handleid')));

describe.skipIf(skip).sequential('ONNX Model ports in Chromium', () => {
  let app: OpenApp;
  let page: Page;

  beforeAll(async () => {
    app = await openEditor({ width: 1400, height: 900 });
    page = app.page;
  }, 180_000);

  afterAll(async () => {
    await app?.close();
  });

  it('shows the model\'s ports on a node whose file\'s ports are recorded, and the fixed ones on an old node', async () => {
    const pane = (await page.locator('.react-flow__pane').boundingBox())!;
    await dropFiles(page, [{ name: 'graph.json', mime: 'application/json', bytes: new TextEncoder().encode(JSON.stringify(GRAPH)) }], { x: pane.x + pane.width / 2, y: pane.y + pane.height / 2 });
    await expect.poll(() => page.getByTestId('canvas').getAttribute('data-node-count')).toBe('3');
    await handle(page, 'gen', 'z', 'target').waitFor();
    expect(await handleIds(page, 'gen', 'target')).toEqual(['z', 'lora']);
    expect(await handleIds(page, 'gen', 'source')).toEqual(['model', 'image']);
    expect(await handleIds(page, 'old', 'target')).toEqual(['input', 'images', 'lora']);
    expect(await handleIds(page, 'old', 'source')).toEqual(['model', 'images', 'tensor']);
    // The Inspector lists the same ports, kinds by shape: z a tensor (latent), image an image.
    await node(page, 'gen').locator('header').click();
    const listed = await page.locator('.port-list li').allInnerTexts();
    expect(listed.map((t) => t.replace(/\s+/g, ' ').trim())).toEqual(['in z latent optional', 'in lora lora optional', 'out model model', 'out image image']);
    await expect(page.getByTestId('field-ports').count()).resolves.toBe(0);
    await mkdir(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, '01-ports.png') });
  });

  it('runs in the workers through the recorded ports and the old ones alike', async () => {
    await page.getByTestId('run').click();
    await runFinished(page, 120_000);
    expect(await statuses(page, ['gen', 'old', 'preview'])).toEqual({ gen: 'done', old: 'done', preview: 'done' });
    await page.screenshot({ path: join(ARTIFACTS, '02-ran.png') });
    expect(app.log.filter((l) => !l.startsWith('vite:'))).toEqual([]);
  });

  it('reads the ports of a file typed into an old node, shows an unreadable file as its error, and undo brings the old ports back', async () => {
    await node(page, 'old').locator('header').click();
    const source = page.getByTestId('field-source').locator('textarea, input');
    await source.fill('models/onnx-generator/missing.onnx');
    await expect.poll(() => node(page, 'old').getByTestId('node-error').textContent(), { timeout: 30_000 }).toMatch(/missing\.onnx/);
    expect(await handleIds(page, 'old', 'target')).toEqual(['input', 'images', 'lora']);
    await page.screenshot({ path: join(ARTIFACTS, '03-unreadable.png') });

    await source.fill(GRAPH.nodes[0].params.source as string);
    await expect.poll(() => handleIds(page, 'old', 'source'), { timeout: 30_000 }).toEqual(['model', 'image']);
    expect(await handleIds(page, 'old', 'target')).toEqual(['z', 'lora']);
    await expect(node(page, 'old').getByTestId('node-error').count()).resolves.toBe(0);
    // The old wire from `images` now leaves the file's `image` output.
    await handle(page, 'old', 'image', 'source').waitFor();
    expect(await edges(page).count()).toBe(2);
    expect(await page.locator('.react-flow__edge[data-id="old.image->preview.images"]').count()).toBe(1);
    // The model input and output are now dropdowns of the file's names.
    const input = page.getByTestId('field-input').locator('select');
    expect(await input.locator('option').allInnerTexts()).toEqual(['the first (z)', 'z']);
    await page.screenshot({ path: join(ARTIFACTS, '04-read.png') });

    await page.getByTestId('undo').click();
    await expect.poll(() => handleIds(page, 'old', 'target')).toEqual(['input', 'images', 'lora']);
    expect(await handleIds(page, 'old', 'source')).toEqual(['model', 'images', 'tensor']);
    await expect(page.getByTestId('field-input').locator('select').count()).resolves.toBe(0);
    await page.screenshot({ path: join(ARTIFACTS, '05-undone.png') });
  });
});
