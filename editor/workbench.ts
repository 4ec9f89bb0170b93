// Everything the editor's components share, made once by the composition root (main.tsx) and
// handed down through React context, so tests and the benchmark can build their own.
import { createContext, useContext } from 'react';
import { useStore } from 'zustand';
import type { Registry, Runtime } from '../runtime/index.ts';
import { createActions, type Actions } from './actions.ts';
import { buildCatalog, type NodeCatalog } from './catalog/node-catalog.ts';
import { createDocStore, type DocState, type DocStore } from './document/doc-store.ts';
import type { ExecState } from './exec/exec-state.ts';
import { createExecStore, type ExecStore } from './exec/exec-store.ts';
import { createPortReader, type PortReader } from './exec/port-reader.ts';
import { createRunController, type RunController } from './exec/run-controller.ts';
import type { DocStorage } from './files/autosave.ts';
import type { ResultStore } from './files/result-store.ts';
import { createNodeSearch } from './palette/search.ts';
import { createUiStore, notify, type UiState, type UiStore } from './ui/ui-store.ts';

export interface Workbench {
  registry: Registry;
  catalog: NodeCatalog;
  search: ReturnType<typeof createNodeSearch>;
  doc: DocStore;
  exec: ExecStore;
  ui: UiStore;
  runs: RunController;
  /** Reads an ONNX Model node's file and records its ports. */
  ports: PortReader;
  storage: DocStorage;
  /** Node sizes as the canvas measured them (for framing a group around nodes). */
  measured: Map<string, { width: number; height: number }>;
  notify(text: string, tone?: 'info' | 'error'): void;
  actions: Actions;
}

export function createWorkbench(deps: { registry: Registry; runtime: Runtime; storage: DocStorage; results?: ResultStore }): Workbench {
  const catalog = buildCatalog(deps.registry);
  const doc = createDocStore();
  const exec = createExecStore();
  const ui = createUiStore();
  const say = (text: string, tone?: 'info' | 'error') => notify(ui, text, tone);
  const runs = createRunController({
    runtime: deps.runtime,
    registry: deps.registry,
    exec,
    getDoc: () => doc.getState().doc,
    notify: say,
    keep: deps.results && ((key, previews) => void deps.results!.save(key, previews)),
  });
  const ports = createPortReader({ runtime: deps.runtime, doc, exec });
  const wb = { registry: deps.registry, catalog, search: createNodeSearch(catalog), doc, exec, ui, runs, ports, storage: deps.storage, measured: new Map(), notify: say } as Workbench;
  wb.actions = createActions(wb);
  return wb;
}

export const WorkbenchContext = createContext<Workbench | null>(null);

export function useWorkbench(): Workbench {
  const wb = useContext(WorkbenchContext);
  if (!wb) throw new Error('useWorkbench outside <WorkbenchContext>');
  return wb;
}

export const useDoc = <T,>(select: (s: DocState) => T): T => useStore(useWorkbench().doc, select);
export const useExec = <T,>(select: (s: ExecState) => T): T => useStore(useWorkbench().exec, select);
export const useUi = <T,>(select: (s: UiState) => T): T => useStore(useWorkbench().ui, select);
