// Undo and redo as immer patches. An entry may carry a coalescing key: a drag or a value typed
// into one field sends many edits with the same key, and they merge into one undo step.
import type { Patch } from 'immer';

export interface HistoryEntry {
  label: string;
  patches: Patch[];
  inverse: Patch[];
  key?: string;
}

export interface History {
  past: readonly HistoryEntry[];
  future: readonly HistoryEntry[];
}

export const emptyHistory: History = { past: [], future: [] };

/** How many steps back a user can go; older ones are dropped. */
export const HISTORY_LIMIT = 300;

export function record(h: History, entry: HistoryEntry): History {
  const top = h.past[h.past.length - 1];
  if (top && entry.key !== undefined && top.key === entry.key && h.future.length === 0) {
    // Applying top then entry is the same as applying their concatenation; undoing is the
    // reverse: the entry's inverse first.
    const merged = { ...top, patches: [...top.patches, ...entry.patches], inverse: [...entry.inverse, ...top.inverse] };
    return { past: [...h.past.slice(0, -1), merged], future: [] };
  }
  return { past: [...h.past, entry].slice(-HISTORY_LIMIT), future: [] };
}

export function undo(h: History): { history: History; patches: Patch[]; label: string } | undefined {
  const top = h.past[h.past.length - 1];
  if (!top) return undefined;
  return { history: { past: h.past.slice(0, -1), future: [...h.future, top] }, patches: top.inverse, label: top.label };
}

export function redo(h: History): { history: History; patches: Patch[]; label: string } | undefined {
  const next = h.future[h.future.length - 1];
  if (!next) return undefined;
  return { history: { past: [...h.past, next], future: h.future.slice(0, -1) }, patches: next.patches, label: next.label };
}
