// End to end: the app, served by Vite (dev server and production build), opens the editor on
// its default example, and its About panel runs the engine probe in a module Web Worker on
// onnxruntime-web with several wasm threads and shows gradients equal to their closed form.
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectedGradients, type EngineProbeResult } from '../../workers/engine-probe.ts';
import { chromiumMissing, chromiumMissingMessage, launchChromium, type LaunchedBrowser } from './chromium.ts';
import { ROOT, startAppServer, type AppServer, type ServeMode } from './server.ts';

// Without Chromium a developer's run skips these tests; CI must have it, so there they fail.
const skip = chromiumMissing && !process.env.CI;
if (skip) console.warn(`skipping browser tests: ${chromiumMissingMessage}`);

describe.skipIf(skip).each<ServeMode>(['dev', 'preview'])('app shell in Chromium (vite %s)', (mode) => {
  let server: AppServer;
  let browser: LaunchedBrowser;

  beforeAll(async () => {
    if (chromiumMissing) throw new Error(chromiumMissingMessage);
    server = await startAppServer(mode);
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('runs the engine check in a worker with threads and correct gradients', async () => {
    const page = await browser.context.newPage();
    const log: string[] = [];
    page.on('console', (m) => log.push(`${m.type()}: ${m.text()}`));
    page.on('pageerror', (e) => log.push(`pageerror: ${e.message}`));

    await page.goto(server.url);
    await page.locator('.react-flow__node-workbench').first().waitFor();
    expect(await page.locator('.react-flow__node-workbench').count()).toBeGreaterThan(0);
    await page.getByTestId('about-button').click();
    await expect(page.getByTestId('about').innerText()).resolves.toMatch(/Twemoji[\s\S]*CC-BY 4\.0[\s\S]*Fluent Emoji[\s\S]*MIT[\s\S]*Firefox OS Emoji/);
    // Model packs are credited from their own manifests.
    if (existsSync(join(ROOT, 'public/models/emoji-diffusion/manifest.json')))
      await expect(page.getByTestId('model-credits').innerText()).resolves.toMatch(/emoji-diffusion[\s\S]*Twemoji/);
    const check = page.getByTestId('engine-check');
    await page
      .locator('[data-testid="engine-check"]:not([data-status="running"])')
      .waitFor({ timeout: 90_000 })
      .catch((e: Error) => {
        throw new Error(`engine check did not finish: ${e.message}\nbrowser log:\n${log.join('\n')}`);
      });

    await mkdir(join(ROOT, 'test-artifacts'), { recursive: true });
    await page.screenshot({ path: join(ROOT, 'test-artifacts', `engine-check-${mode}.png`), fullPage: true });

    const status = await check.getAttribute('data-status');
    expect(status, `engine check: ${await check.innerText()}\nbrowser log:\n${log.join('\n')}`).toBe('ok');
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);

    const result = JSON.parse((await check.getAttribute('data-result'))!) as EngineProbeResult & {
      crossOriginIsolated: boolean;
    };
    const expected = expectedGradients();
    expect(result.backend).toBe('onnxruntime-web');
    expect(result.crossOriginIsolated).toBe(true);
    expect(result.threads).toBeGreaterThanOrEqual(2);
    expect(result.loss).toBeCloseTo(expected.loss, 4);
    result.dx.forEach((v, i) => expect(v).toBeCloseTo(expected.dx[i], 5));
    result.dw.forEach((v, i) => expect(v).toBeCloseTo(expected.dw[i], 5));
    await expect(check.innerText()).resolves.toMatch(/Gradients match their closed form/);
    await page.close();
  }, 120_000);
});
