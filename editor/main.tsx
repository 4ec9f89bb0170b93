// The composition root: the one place that wires the real side effects together (the worker
// pool, IndexedDB for the cache and the autosave) and restores the last document.
import '@xyflow/react/dist/style.css';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { registry } from '../nodes/registry.ts';
import { idbStore } from '../runtime/browser/index.ts';
import { createRuntime } from '../runtime/index.ts';
import { browserWorkerPool } from '../workers/browser-pool.ts';
import { App } from './App.tsx';
import { debouncedSaver, idbDocStorage } from './files/autosave.ts';
import { defaultExample } from './files/examples.ts';
import { createWorkbench } from './workbench.ts';
import './app.css';

const runtime = createRuntime({ registry, executor: browserWorkerPool(), persistent: idbStore() });
const storage = idbDocStorage();
const workbench = createWorkbench({ registry, runtime, storage });

async function start() {
  const restored = await storage.load();
  workbench.doc.getState().reset(restored ?? defaultExample());
  workbench.ui.setState({ fitRequest: 1 });
  const saver = debouncedSaver(storage);
  workbench.doc.subscribe((s, prev) => s.doc !== prev.doc && saver.schedule(s.doc));
  addEventListener('pagehide', () => void saver.flush());
  createRoot(document.getElementById('root')!).render(
    <StrictMode>
      <App workbench={workbench} />
    </StrictMode>,
  );
}

void start();
