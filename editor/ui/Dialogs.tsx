// Modal sheets: examples gallery, keyboard help, About (credits and the engine check).
import { About } from '../About.tsx';
import { EngineCheck } from '../EngineCheck.tsx';
import { examples } from '../files/examples.ts';
import { useUi, useWorkbench } from '../workbench.ts';
import { SHORTCUTS } from './shortcuts.ts';

export function Dialogs() {
  const wb = useWorkbench();
  const dialog = useUi((s) => s.dialog);
  if (!dialog) return null;
  const close = () => wb.ui.setState({ dialog: undefined });
  return (
    <div className="dialog-backdrop" onMouseDown={(e) => e.target === e.currentTarget && close()}>
      <div className={`dialog dialog-${dialog}`} role="dialog" aria-modal="true" data-testid={`dialog-${dialog}`}>
        <button className="close" onClick={close} aria-label="Close">×</button>
        {dialog === 'examples' && <Examples />}
        {dialog === 'shortcuts' && <Shortcuts />}
        {dialog === 'about' && (
          <>
            <About />
            <EngineCheck />
          </>
        )}
      </div>
    </div>
  );
}

function Examples() {
  const wb = useWorkbench();
  return (
    <>
      <h2>Examples</h2>
      <p className="muted">Each runs as it is on the built-in nodes. Opening one replaces the graph; Undo brings yours back.</p>
      <div className="gallery">
        {examples.map((e) => (
          <button key={e.id} className="card" onClick={() => wb.actions.open(e.doc, `Open ${e.title}`)} data-testid={`example-${e.id}`}>
            {e.thumbnail && <img src={e.thumbnail} alt="" width={96} height={96} data-testid="example-thumbnail" />}
            <strong>{e.title}</strong>
            <span>{e.description}</span>
            <small>{e.doc.nodes.length} nodes</small>
          </button>
        ))}
      </div>
    </>
  );
}

function Shortcuts() {
  return (
    <>
      <h2>Keyboard shortcuts</h2>
      <table className="shortcuts">
        <tbody>
          {SHORTCUTS.map((s) => (
            <tr key={s.command}>
              <td>
                <kbd>{s.keys}</kbd>
              </td>
              <td>{s.help}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <p className="muted">
        Mouse: drag the canvas to pan, wheel to zoom, Shift-drag to select an area, Ctrl-click to add to the selection. Drop a wire on empty canvas to
        pick a node that takes it. Drop image files to load them, or a PNG saved here to reopen its graph.
      </p>
    </>
  );
}
