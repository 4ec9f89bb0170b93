// The personalization examples in the browser, as a person opens them: each graph dropped on the
// canvas as a file and run in Web Workers on onnxruntime-web with the built-in pack, steps reduced
// as in the headless test. Proves the nodes work in the browser (wasm, fetched pack, previews), not
// what they learn. Screenshots go to test-artifacts/personalize/.
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMPONENTS } from '../../models/pack/manifest.ts';
import { readDiffusionManifest } from '../../models/pack/write.ts';
import { chromiumMissing, chromiumMissingMessage } from './chromium.ts';
import { dropFiles, node, nodes, openApp, runFinished, type OpenApp } from './editor-page.ts';
import { type ExampleNode, reducedParams } from '../reduced-steps.ts';
import { ROOT } from './server.ts';

const skip = chromiumMissing && !process.env.CI;
const manifest = readDiffusionManifest(join(ROOT, 'public', 'models', 'emoji-diffusion'));
const missing = COMPONENTS.filter((c) => !manifest?.components[c]);
const ARTIFACTS = join(ROOT, 'test-artifacts', 'personalize');

interface Doc {
  title: string;
  nodes: ExampleNode[];
}

/** The graph with the headless test's reductions, and a preview at every step so previews show. */
function reduced(doc: Doc): Doc {
  const nodes = doc.nodes.map((n) => {
    const p = { ...n.params, ...reducedParams(n) };
    if (typeof p.previewEvery === 'number') p.previewEvery = 1;
    return { ...n, params: p };
  });
  return { ...doc, nodes };
}

// The GAN examples chosen cover every GAN node (sampling, rendering, optimization, pivotal tuning,
// the encoder and every kind of edit), the AR ones every AR node (tokenizer, decoder, likelihood,
// AR Sampler with masked regeneration, Textual Inversion, LoRA with a wired word, prefix tuning);
// the others run headless in test/example-graphs.test.ts.
const GRAPHS = [
  'textual-inversion',
  'dreambooth-lora',
  'concept-encoder',
  'hybrid-encoder-optimization',
  'decoder-inversion',
  'ddim-inversion-edit',
  'onnx-generator-inversion',
  'gan-sampling',
  'gan-pivotal-tuning-edit',
  'gan-latent-editing',
  'ar-tokenizer-masked-regeneration',
  'ar-two-stage',
  'ar-prefix-tuning',
];

describe.skipIf(skip)('personalization graphs in Chromium', () => {
  let app: OpenApp;
  let page: Page;
  let log: string[];

  beforeAll(async () => {
    app = await openApp({ width: 1600, height: 1000 });
    ({ page, log } = app);
    await page.goto(app.url);
    await nodes(page).first().waitFor();
  }, 120_000);

  afterAll(async () => {
    await app?.close();
  });

  it('the built-in pack is complete', () => {
    expect(missing, 'components missing from public/models/emoji-diffusion').toEqual([]);
  });

  it.each(GRAPHS)('%s runs in Web Workers with every node done or cached', async (name) => {
    const doc = reduced(JSON.parse(await readFile(join(ROOT, 'graphs', `${name}.json`), 'utf8')) as Doc);
    const pane = (await page.locator('.react-flow__pane').boundingBox())!;
    await dropFiles(page, [{ name: `${name}.json`, mime: 'application/json', bytes: new TextEncoder().encode(JSON.stringify(doc)) }], { x: pane.x + pane.width / 2, y: pane.y + pane.height / 2 });
    await expect.poll(() => page.getByTestId('canvas').getAttribute('data-node-count')).toBe(String(doc.nodes.length));
    // The graph opens readable, part of it in view; the whole of it is wanted here.
    await page.keyboard.press('f');
    await expect.poll(() => nodes(page).count()).toBe(doc.nodes.length);
    await page.getByTestId('run').click();
    await page.locator('[data-testid="run-status"][data-outcome="running"]').waitFor({ timeout: 30_000 });
    await runFinished(page, 240_000);
    const ids = doc.nodes.map((n) => n.id);
    const statuses = Object.fromEntries(await Promise.all(ids.map(async (id) => [id, await node(page, id).getAttribute('data-status')] as const)));
    const errors = await page.getByTestId('node-error').allInnerTexts();
    // The model and images are cached from the graph before when they are the same.
    const settled = Object.fromEntries(Object.entries(statuses).map(([id, s]) => [id, s === 'cached' ? 'done' : s]));
    expect({ statuses: settled, errors }).toEqual({ statuses: Object.fromEntries(ids.map((id) => [id, 'done'])), errors: [] });
    // Every preview shows its picture; the metrics node shows scores.
    for (const n of doc.nodes.filter((n) => n.type === 'preview')) await expect.poll(() => node(page, n.id).getByTestId('result-image').count()).toBe(1);
    for (const n of doc.nodes.filter((n) => n.type === 'metrics')) {
      const values = await node(page, n.id).locator('table.metrics td.metric-value').evaluateAll((tds) => tds.map((td) => td.getAttribute('data-value') ?? ''));
      expect(values.length, `${n.id} shows scores`).toBeGreaterThan(0);
      expect(values.every((v) => Number.isFinite(Number(v))), `${n.id}: ${values.join(', ')}`).toBe(true);
    }
    await mkdir(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, `${name}.png`) });
    expect(log.filter((l) => !/favicon/.test(l))).toEqual([]);
  }, 300_000);
});
