// The undoable document: the graph, and the history of patches that led to it. Only this store
// changes the document; everything else hands it a recipe.
import { applyPatches, enablePatches, produceWithPatches, type Patch } from 'immer';
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { GraphDoc } from '../../runtime/index.ts';
import type { Recipe } from './edits.ts';
import { emptyHistory, record, redo, undo, type History } from './history.ts';

enablePatches();

export interface DocState {
  doc: GraphDoc;
  history: History;
  /** Apply a change as one undo step; edits that share a `key` in a row merge into one. */
  edit(label: string, recipe: Recipe, key?: string): void;
  /** Replace the whole document (open a file, an example) as one undoable step. */
  replace(label: string, doc: GraphDoc): void;
  /** Start over from a document with no history (a restored autosave). */
  reset(doc: GraphDoc): void;
  undo(): string | undefined;
  redo(): string | undefined;
}

export type DocStore = StoreApi<DocState>;

export const emptyDoc = (): GraphDoc => ({ version: 2, title: 'Untitled graph', nodes: [], edges: [] });

export function createDocStore(initial: GraphDoc = emptyDoc()): DocStore {
  return createStore<DocState>()((set, get) => ({
    doc: initial,
    history: emptyHistory,
    edit(label, recipe, key) {
      const [doc, patches, inverse] = produceWithPatches(get().doc, recipe);
      if (!patches.length) return;
      set({ doc, history: record(get().history, { label, patches, inverse, key }) });
    },
    replace(label, next) {
      // One patch each way, as immer would make them, without immer walking all of `next`
      // (a large opened graph) for drafts it cannot hold.
      const patches: Patch[] = [{ op: 'replace', path: [], value: next }];
      const inverse: Patch[] = [{ op: 'replace', path: [], value: get().doc }];
      set({ doc: next, history: record(get().history, { label, patches, inverse }) });
    },
    reset(doc) {
      set({ doc, history: emptyHistory });
    },
    undo() {
      const step = undo(get().history);
      if (!step) return undefined;
      set({ doc: applyPatches(get().doc, step.patches), history: step.history });
      return step.label;
    },
    redo() {
      const step = redo(get().history);
      if (!step) return undefined;
      set({ doc: applyPatches(get().doc, step.patches), history: step.history });
      return step.label;
    },
  }));
}
