// Wires the keyboard map to the actions, for the whole window.
import { useReactFlow } from '@xyflow/react';
import { useEffect } from 'react';
import { fitAll } from '../canvas/fit.ts';
import { noSelection } from './ui-store.ts';
import { commandFor, type Command } from './shortcuts.ts';
import type { Workbench } from '../workbench.ts';

export function useShortcuts(wb: Workbench, openFile: () => void) {
  const rf = useReactFlow();
  useEffect(() => {
    const center = () => {
      const r = document.querySelector('.canvas')?.getBoundingClientRect();
      const screen = { x: (r?.left ?? 0) + (r?.width ?? 800) / 2 - 160, y: (r?.top ?? 0) + 80 };
      return { screen, flow: rf.screenToFlowPosition(screen), free: true };
    };
    const run: Record<Command, () => void> = {
      undo: wb.actions.undo,
      redo: wb.actions.redo,
      copy: () => void wb.actions.copy(),
      paste: () => wb.actions.paste(),
      duplicate: wb.actions.duplicate,
      delete: wb.actions.deleteSelection,
      selectAll: wb.actions.selectAll,
      group: wb.actions.groupSelection,
      run: () => wb.runs.run(),
      runSelected: () => {
        const [id] = wb.ui.getState().selection.nodes;
        if (id) wb.runs.run(id);
      },
      stop: wb.runs.stop,
      palette: () => wb.ui.setState({ palette: center() }),
      save: wb.actions.saveJson,
      open: openFile,
      fit: () => fitAll(rf, 200),
      help: () => wb.ui.setState({ dialog: 'shortcuts' }),
      overlay: () => wb.ui.setState((s) => ({ overlay: !s.overlay })),
      escape: () => {
        const s = wb.ui.getState();
        if (s.dialog || s.palette || s.viewer) wb.ui.setState({ dialog: undefined, palette: undefined, viewer: undefined });
        else wb.ui.setState({ selection: noSelection });
      },
    };
    const onKey = (e: KeyboardEvent) => {
      const t = e.target as HTMLElement | null;
      const inField = !!t && (t.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(t.tagName));
      // With a dialog or the palette open, only Escape (and the palette's own keys) apply.
      const s = wb.ui.getState();
      const command = commandFor(e, inField);
      if (!command || ((s.dialog || s.palette || s.viewer) && command !== 'escape')) return;
      e.preventDefault();
      run[command]();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [wb, rf, openFile]);
}
