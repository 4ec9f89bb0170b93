// The top bar: file commands, undo/redo, run controls with the run's summary, view toggles.
import { formatMs } from '../canvas/ProgressBar.tsx';
import { runSummary, type ExecState } from '../exec/exec-state.ts';
import { contentKeys } from '../exec/stale.ts';
import { useDoc, useExec, useUi, useWorkbench } from '../workbench.ts';

export function Toolbar({ openFile }: { openFile(): void }) {
  const wb = useWorkbench();
  const a = wb.actions;
  const canUndo = useDoc((s) => s.history.past.length > 0);
  const canRedo = useDoc((s) => s.history.future.length > 0);
  const title = useDoc((s) => s.doc.title);
  const running = useExec((s) => s.running);
  const ms = useExec((s) => s.ms);
  const outcome = useExec((s) => s.outcome);
  const summary = useExec((s) => (s.stats ? summaryText(s) : undefined));
  const runKeys = useExec((s) => s.runKeys);
  // The summary is about the graph as it was run; once that has changed, it says so.
  const changed = useDoc((s) => !running && Object.entries(runKeys).some(([id, k]) => contentKeys(s.doc, wb.registry).get(id) !== k));
  const overlay = useUi((s) => s.overlay);
  const snap = useUi((s) => s.snap);
  return (
    <header className="toolbar" data-testid="toolbar">
      <div className="brand">
        <span className="logo">◆</span> <span className="brand-name">Personalize Workbench</span>
      </div>
      <span className="graph-title" title="Graph title (edit it in the panel on the right)">{title || 'Untitled graph'}</span>
      <nav className="group">
        <button onClick={a.newGraph}>New</button>
        <button onClick={openFile} data-testid="open">Open</button>
        <button onClick={a.saveJson} data-testid="save">Save</button>
        <button onClick={() => wb.ui.setState({ dialog: 'examples' })} data-testid="examples">Examples</button>
      </nav>
      <nav className="group">
        <button onClick={a.undo} disabled={!canUndo} title="Undo (Ctrl+Z)" data-testid="undo">↶</button>
        <button onClick={a.redo} disabled={!canRedo} title="Redo (Ctrl+Shift+Z)" data-testid="redo">↷</button>
      </nav>
      <nav className="group run">
        <button className="primary" onClick={() => wb.runs.run()} title="Run (Ctrl+Enter)" data-testid="run">▶ Run</button>
        <button onClick={wb.runs.stop} disabled={!running} title="Stop (Ctrl+.)" data-testid="stop">■ Stop</button>
        <span className={`run-status${changed ? ' stale' : ''}`} data-testid="run-status" data-outcome={running ? 'running' : (outcome ?? 'idle')}>
          {running ? 'running…' : summary ? `${outcome === 'cancelled' ? 'stopped' : 'done'}: ${summary} · ${formatMs(ms ?? 0)}${changed ? ' · graph changed since' : ''}` : outcome === 'invalid' ? 'graph has problems' : ''}
        </span>
      </nav>
      <nav className="group right">
        <label className="toggle" title="Show each node’s place in the framework (L)">
          <input type="checkbox" checked={overlay} onChange={(e) => wb.ui.setState({ overlay: e.target.checked })} data-testid="overlay-toggle" /> Framework
        </label>
        <label className="toggle" title="Snap to grid">
          <input type="checkbox" checked={snap} onChange={(e) => wb.ui.setState({ snap: e.target.checked })} /> Snap
        </label>
        <button onClick={() => wb.ui.setState({ dialog: 'shortcuts' })} title="Keyboard shortcuts (?)">⌨</button>
        <button onClick={() => wb.ui.setState({ dialog: 'about' })} data-testid="about-button">About</button>
      </nav>
    </header>
  );
}

/** "3 ran, 2 cached, 1 failed, 4 not run": counted from the nodes, so a stop is not failures. */
function summaryText(s: ExecState) {
  const n = runSummary(s);
  return [`${n.ran} ran`, `${n.cached} cached`, n.failed && `${n.failed} failed`, n.stopped && `${n.stopped} not run`].filter(Boolean).join(', ');
}
