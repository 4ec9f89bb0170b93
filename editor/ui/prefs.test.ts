import { describe, expect, it } from 'vitest';
import { restorePrefs } from './prefs.ts';
import { createUiStore } from './ui-store.ts';

const memoryStorage = () => {
  const m = new Map<string, string>();
  return { getItem: (k: string) => m.get(k) ?? null, setItem: (k: string, v: string) => void m.set(k, v) };
};

describe('view preferences', () => {
  it('keeps the Framework toggle across a reload', () => {
    const storage = memoryStorage();
    const first = createUiStore();
    restorePrefs(first, storage);
    first.setState({ overlay: true, panel: 'method' });
    const second = createUiStore();
    restorePrefs(second, storage);
    expect(second.getState()).toMatchObject({ overlay: true, panel: 'method', snap: true });
  });

  it('ignores what it cannot read', () => {
    const storage = memoryStorage();
    storage.setItem('workbench-view', '{"overlay": "yes"');
    const ui = createUiStore();
    restorePrefs(ui, storage);
    expect(ui.getState().overlay).toBe(false);
  });
});
