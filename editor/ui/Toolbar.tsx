// The top bar: file commands, undo/redo, run controls with the run's summary, view toggles.
import { formatMs } from '../canvas/ProgressBar.tsx';
import { useDoc, useExec, useUi, useWorkbench } from '../workbench.ts';

export function Toolbar({ openFile }: { openFile(): void }) {
  const wb = useWorkbench();
  const a = wb.actions;
  const canUndo = useDoc((s) => s.history.past.length > 0);
  const canRedo = useDoc((s) => s.history.future.length > 0);
  const title = useDoc((s) => s.doc.title);
  const running = useExec((s) => s.running);
  const stats = useExec((s) => s.stats);
  const ms = useExec((s) => s.ms);
  const outcome = useExec((s) => s.outcome);
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
        <span className="run-status" data-testid="run-status" data-outcome={running ? 'running' : (outcome ?? 'idle')}>
          {running ? 'running…' : stats ? `${outcome === 'cancelled' ? 'stopped' : 'done'}: ${stats.ran} ran, ${stats.cached} cached${stats.failed ? `, ${stats.failed} failed` : ''} · ${formatMs(ms ?? 0)}` : outcome === 'invalid' ? 'graph has problems' : ''}
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
