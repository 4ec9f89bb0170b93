// The keyboard map, as data: the help sheet lists it and the key handler reads it, so the two
// cannot disagree.
export type Command =
  | 'undo' | 'redo' | 'copy' | 'paste' | 'duplicate' | 'delete' | 'selectAll' | 'group'
  | 'run' | 'runSelected' | 'stop' | 'palette' | 'save' | 'open' | 'fit' | 'help' | 'overlay' | 'escape';

export interface Shortcut {
  command: Command;
  keys: string;
  help: string;
  match(e: Pick<KeyboardEvent, 'key' | 'ctrlKey' | 'metaKey' | 'shiftKey' | 'altKey'>): boolean;
}

const mod = (e: { ctrlKey: boolean; metaKey: boolean }) => e.ctrlKey || e.metaKey;
const plain = (e: { ctrlKey: boolean; metaKey: boolean; altKey: boolean }) => !e.ctrlKey && !e.metaKey && !e.altKey;
const key = (e: { key: string }, k: string) => e.key.toLowerCase() === k;

export const SHORTCUTS: readonly Shortcut[] = [
  { command: 'palette', keys: 'Tab  or  double-click', help: 'Add a node (search as you type)', match: (e) => plain(e) && e.key === 'Tab' },
  { command: 'run', keys: 'Ctrl+Enter', help: 'Run the graph', match: (e) => mod(e) && e.key === 'Enter' },
  { command: 'runSelected', keys: 'Shift+Enter', help: 'Run up to the selected node', match: (e) => plain(e) && e.shiftKey && e.key === 'Enter' },
  { command: 'stop', keys: 'Ctrl+.', help: 'Stop the run', match: (e) => mod(e) && e.key === '.' },
  { command: 'undo', keys: 'Ctrl+Z', help: 'Undo', match: (e) => mod(e) && !e.shiftKey && key(e, 'z') },
  { command: 'redo', keys: 'Ctrl+Shift+Z  or  Ctrl+Y', help: 'Redo', match: (e) => mod(e) && ((e.shiftKey && key(e, 'z')) || key(e, 'y')) },
  { command: 'copy', keys: 'Ctrl+C', help: 'Copy the selected nodes (with the wires between them)', match: (e) => mod(e) && key(e, 'c') },
  { command: 'paste', keys: 'Ctrl+V', help: 'Paste', match: (e) => mod(e) && key(e, 'v') },
  { command: 'duplicate', keys: 'Ctrl+D', help: 'Duplicate the selection', match: (e) => mod(e) && key(e, 'd') },
  { command: 'delete', keys: 'Delete  or  Backspace', help: 'Delete the selection', match: (e) => plain(e) && (e.key === 'Delete' || e.key === 'Backspace') },
  { command: 'selectAll', keys: 'Ctrl+A', help: 'Select every node', match: (e) => mod(e) && key(e, 'a') },
  { command: 'group', keys: 'Ctrl+G', help: 'Frame the selected nodes in a titled group', match: (e) => mod(e) && key(e, 'g') },
  { command: 'save', keys: 'Ctrl+S', help: 'Save the graph as JSON', match: (e) => mod(e) && key(e, 's') },
  { command: 'open', keys: 'Ctrl+O', help: 'Open a graph (JSON, or a PNG that carries one)', match: (e) => mod(e) && key(e, 'o') },
  { command: 'fit', keys: 'F', help: 'Fit the graph in view', match: (e) => plain(e) && !e.shiftKey && key(e, 'f') },
  { command: 'overlay', keys: 'L', help: 'Show each node’s place in the framework', match: (e) => plain(e) && !e.shiftKey && key(e, 'l') },
  { command: 'help', keys: '?', help: 'This sheet', match: (e) => e.key === '?' },
  { command: 'escape', keys: 'Esc', help: 'Close a dialog, clear the selection', match: (e) => e.key === 'Escape' },
];

/** Keys typed into a text field belong to the field, except the few that never edit text. */
export function commandFor(e: KeyboardEvent, inField: boolean): Command | undefined {
  const hit = SHORTCUTS.find((s) => s.match(e))?.command;
  if (!inField) return hit;
  return hit === 'run' || hit === 'stop' || hit === 'save' || hit === 'escape' ? hit : undefined;
}
