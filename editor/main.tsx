// The composition root: the one place that wires the real side effects together (the worker
// pool, IndexedDB for the cache and the autosave) and restores the last document.
import '@xyflow/react/dist/style.css';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { declarations } from '../nodes/declarations.ts';
import { idbStore } from '../runtime/browser/index.ts';
import { createRuntime, lazyExecutor } from '../runtime/index.ts';
import { browserWorkerPool } from '../workers/browser-pool.ts';
import { App } from './App.tsx';
import { debouncedSaver, idbDocStorage } from './files/autosave.ts';
import { defaultExample } from './files/examples.ts';
import { idbResultStore } from './files/result-store.ts';
import { restoreResults } from './exec/restore.ts';
import { restorePrefs } from './ui/prefs.ts';
import { createWorkbench } from './workbench.ts';
import './app.css';

// The workers start once the restored graph is on screen (or at the first run, if sooner):
// parsing every node's run code would otherwise compete with the first render.
const executor = lazyExecutor(() => browserWorkerPool(), { lends: true });
const runtime = createRuntime({ registry: declarations, executor, persistent: idbStore() });
const storage = idbDocStorage();
const results = idbResultStore();
const workbench = createWorkbench({ registry: declarations, runtime, storage, results });

async function start() {
  const restored = await storage.load();
  workbench.doc.getState().reset(restored ?? defaultExample());
  workbench.ui.setState({ fitRequest: 1 });
  restorePrefs(workbench.ui, localStorage);
  // The last results come back with the graph, when they still belong to it.
  void restoreResults(workbench.exec, workbench.doc.getState().doc, declarations, results);
  const saver = debouncedSaver(storage);
  workbench.doc.subscribe((s, prev) => s.doc !== prev.doc && saver.schedule(s.doc));
  addEventListener('pagehide', () => void saver.flush());
  createRoot(document.getElementById('root')!).render(
    <StrictMode>
      <App workbench={workbench} />
    </StrictMode>,
  );
  afterFirstFrames(() => executor.warm());
}

/** Runs `fn` when the page is first idle after the next two frames (the first render's). */
function afterFirstFrames(fn: () => void) {
  // Safari has no requestIdleCallback.
  const whenIdle = typeof requestIdleCallback === 'function' ? () => requestIdleCallback(fn, { timeout: 1000 }) : () => setTimeout(fn, 200);
  requestAnimationFrame(() => requestAnimationFrame(whenIdle));
}

void start();
