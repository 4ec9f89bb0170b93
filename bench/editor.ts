// `npm run bench:editor`: the editor with a generated 300-node graph in headless Chromium.
//   1. time to first render: from choosing the file to the first frame that shows all nodes,
//      and from navigation to that frame when a reload restores the graph (target < 1 s)
//   2. frames per second while panning and while zooming with real mouse input (target ≥ 50)
// Serves a production build (`vite preview`); `--dev` uses the dev server instead.
import { cpus, loadavg } from 'node:os';
import type { Page } from 'playwright-core';
import { launchChromium } from '../test/browser/chromium.ts';
import { startAppServer } from '../test/browser/server.ts';

import { COLUMNS, generatedGraph, ROWS } from './editor-graph.ts';

// Page-side code goes in as text: tsx names functions with a helper that the page lacks.

/** Resolves in the page with the time at which the main thread has finished the first frame in
 * which all nodes and all wires are drawn (React Flow hides a node until it knows its size, and
 * draws a wire only once it knows the handles at both ends). Checked in each animation frame;
 * the time is taken in a task queued from that frame, which runs after the frame's style, layout
 * and paint. Not the frame's own timestamp: that is when the frame was due, which can be long
 * before work that held up the frame (a render in a task) was done. */
const firstFullFrame = (page: Page, nodes: number, edges: number) =>
  page.evaluate<{ nodes: number; all: number }>(`new Promise((resolve) => {
    let nodesSeen = false;
    let nodesAt;
    const afterFrame = (then) => {
      const { port1, port2 } = new MessageChannel();
      port1.onmessage = () => then(performance.now());
      port2.postMessage(0);
    };
    const check = () => {
      const all = document.querySelectorAll('.react-flow__node-workbench');
      const wires = [...document.querySelectorAll('.react-flow__edge-path')].filter((p) => p.getAttribute('d'));
      const nodesDrawn = all.length === ${nodes} && [...all].every((n) => n.style.visibility !== 'hidden');
      if (nodesDrawn && !nodesSeen) {
        nodesSeen = true;
        afterFrame((t) => (nodesAt = t));
      }
      if (nodesDrawn && wires.length === ${edges}) afterFrame((t) => resolve({ nodes: nodesAt ?? t, all: t }));
      else requestAnimationFrame(check);
    };
    requestAnimationFrame(check);
  })`);

async function measureFps(page: Page, drive: () => Promise<void>) {
  // Each measurement's loop stops on its own token: a callback still pending from the last one
  // would otherwise push into this one's frames and double the count.
  await page.evaluate(`(() => {
    const frames = (window.__frames = []);
    const token = (window.__counting = {});
    const tick = (t) => {
      if (window.__counting !== token) return;
      frames.push(t);
      requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  })()`);
  await drive();
  const frames = await page.evaluate<number[]>(`(window.__counting = null, window.__frames)`);
  const gaps = frames.slice(1).map((t, i) => t - frames[i]).sort((a, b) => a - b);
  const seconds = (frames[frames.length - 1] - frames[0]) / 1000;
  return { fps: (frames.length - 1) / seconds, p95: gaps[Math.floor(gaps.length * 0.95)] };
}

async function main() {
  const mode = process.argv.includes('--dev') ? 'dev' : 'preview';
  console.log(`editor benchmark: ${COLUMNS * ROWS} nodes, vite ${mode}, headless Chromium (software rendering)`);
  // The machine may be shared; the load says how much of it this run had.
  const load = () => loadavg().map((x) => x.toFixed(1)).join(' ');
  console.log(`${cpus().length} CPUs, load average ${load()}`);
  const server = await startAppServer(mode);
  const browser = await launchChromium();
  try {
    const page = await browser.context.newPage();
    await page.setViewportSize({ width: 1400, height: 900 });
    await page.goto(server.url);
    await page.locator('.react-flow__node-workbench').first().waitFor();

    const doc = generatedGraph();
    await page.evaluate(`document.querySelector('[data-testid="file-input"]')
      .addEventListener('change', () => (window.__t0 = performance.now()), { capture: true, once: true })`);
    const frame = firstFullFrame(page, doc.nodes.length, doc.edges.length);
    await page.getByTestId('file-input').setInputFiles({ name: 'bench.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(doc)) });
    const t0 = await page.evaluate<number>('window.__t0');
    const opened = await frame;
    const open = { nodes: opened.nodes - t0, all: opened.all - t0 };
    await page.waitForTimeout(800); // let the autosave write the graph the reload restores

    await page.reload();
    const reload = await firstFullFrame(page, doc.nodes.length, doc.edges.length);
    await page.waitForTimeout(800);

    const pane = (await page.locator('.react-flow__pane').boundingBox())!;
    // Grab the canvas at its edge, where fit-view leaves empty space, and pan back and forth.
    const pan = await measureFps(page, async () => {
      const x = pane.x + 8;
      const y = pane.y + pane.height / 2;
      await page.mouse.move(x, y);
      await page.mouse.down();
      for (let i = 0; i < 6; i++) {
        await page.mouse.move(x + 400, y + (i % 2 ? 120 : -120), { steps: 30 });
        await page.mouse.move(x, y, { steps: 30 });
      }
      await page.mouse.up();
    });
    const zoom = await measureFps(page, async () => {
      await page.mouse.move(pane.x + pane.width / 2, pane.y + pane.height / 2);
      for (let i = 0; i < 120; i++) {
        await page.mouse.wheel(0, i < 60 ? -40 : 40);
        await page.waitForTimeout(16);
      }
    });

    const verdict = (ok: boolean) => (ok ? 'ok' : 'MISSED');
    const ms = (x: number) => `${x.toFixed(0)} ms`;
    console.log(`first render, open file:  nodes drawn ${ms(open.nodes)}, nodes and wires ${ms(open.all)} (target < 1000 ms: ${verdict(open.all < 1000)})`);
    console.log(`first render, reload (navigation start → restored graph): nodes ${ms(reload.nodes)}, nodes and wires ${ms(reload.all)} (target < 1000 ms: ${verdict(reload.all < 1000)})`);
    console.log(`panning: ${pan.fps.toFixed(1)} fps, p95 frame ${pan.p95.toFixed(1)} ms (target ≥ 50 fps: ${verdict(pan.fps >= 50)})`);
    console.log(`zooming: ${zoom.fps.toFixed(1)} fps, p95 frame ${zoom.p95.toFixed(1)} ms (target ≥ 50 fps: ${verdict(zoom.fps >= 50)})`);
    console.log(`load average after: ${load()}`);
  } finally {
    await browser.close();
    await server.close();
  }
}

await main();
