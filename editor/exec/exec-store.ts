// The fast-changing execution state in its own store, so progress ticks re-render only the
// node that moved and never touch the undoable document.
import { createStore, type StoreApi } from 'zustand/vanilla';
import { idleExec, type ExecState } from './exec-state.ts';

export type ExecStore = StoreApi<ExecState>;

export const createExecStore = (): ExecStore => createStore<ExecState>()(() => idleExec);
