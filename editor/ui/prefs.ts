// View preferences that outlive a reload (the Framework overlay, snapping, the side panel's tab),
// in the given storage (localStorage in the app). A stored value that does not parse is ignored.
import { z } from 'zod';
import type { UiStore } from './ui-store.ts';

const PrefsSchema = z.object({ overlay: z.boolean(), snap: z.boolean(), panel: z.enum(['inspector', 'method']) }).partial();
const KEY = 'workbench-view';

export function restorePrefs(ui: UiStore, storage: Pick<Storage, 'getItem' | 'setItem'>): () => void {
  try {
    const saved = PrefsSchema.safeParse(JSON.parse(storage.getItem(KEY) ?? 'null'));
    if (saved.success) ui.setState(saved.data);
  } catch {
    // Not JSON: start from the defaults.
  }
  return ui.subscribe((s, prev) => {
    if (s.overlay === prev.overlay && s.snap === prev.snap && s.panel === prev.panel) return;
    try {
      storage.setItem(KEY, JSON.stringify({ overlay: s.overlay, snap: s.snap, panel: s.panel }));
    } catch {
      // Storage full or refused: the preference lasts until the reload.
    }
  });
}
