// View state that is neither document nor execution: selection, open panels and dialogs,
// toggles and notices. Not undoable, not saved.
import { createStore, type StoreApi } from 'zustand/vanilla';

export interface Selection {
  nodes: readonly string[];
  edges: readonly string[];
  groups: readonly string[];
}

export interface PendingWire {
  nodeId: string;
  handle: string;
  kind: string;
  /** The side of the *new* node the wire will end on. */
  side: 'input' | 'output';
}

export interface PaletteState {
  screen: { x: number; y: number };
  flow: { x: number; y: number };
  wire?: PendingWire;
  /** Opened from the keyboard: no place was pointed at, so the node goes where there is room. */
  free?: boolean;
}

export interface Toast {
  id: number;
  text: string;
  tone: 'info' | 'error';
}

export type Dialog = 'about' | 'examples' | 'shortcuts';

/** The result viewer: one output of one node, shown large. */
export interface ViewerState {
  nodeId: string;
  port: string;
}

export interface UiState {
  selection: Selection;
  palette?: PaletteState;
  dialog?: Dialog;
  viewer?: ViewerState;
  overlay: boolean;
  snap: boolean;
  panel: 'inspector' | 'method';
  toasts: readonly Toast[];
  /** Bumped when a new document opens, so the canvas fits it into view. */
  fitRequest: number;
}

export type UiStore = StoreApi<UiState>;

export const noSelection: Selection = { nodes: [], edges: [], groups: [] };

export const createUiStore = (): UiStore =>
  createStore<UiState>()(() => ({ selection: noSelection, overlay: false, snap: true, panel: 'inspector', toasts: [], fitRequest: 0 }));

let toastCounter = 0;

/** How long a notice stays; errors stay longer so they can be read. */
const TOAST_MS = { info: 2500, error: 6000 };

export function notify(ui: UiStore, text: string, tone: Toast['tone'] = 'info') {
  const id = ++toastCounter;
  ui.setState((s) => ({ toasts: [...s.toasts.slice(-3), { id, text, tone }] }));
  setTimeout(() => ui.setState((s) => ({ toasts: s.toasts.filter((t) => t.id !== id) })), TOAST_MS[tone]);
}
