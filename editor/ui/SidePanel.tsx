// The right-hand panel: the inspector, or the method the graph implements.
import { MethodPanel } from '../framework/MethodPanel.tsx';
import { Inspector } from '../inspector/Inspector.tsx';
import { useUi, useWorkbench } from '../workbench.ts';

export function SidePanel() {
  const wb = useWorkbench();
  const panel = useUi((s) => s.panel);
  return (
    <aside className="side-panel">
      <div className="tabs" role="tablist">
        <button role="tab" aria-selected={panel === 'inspector'} onClick={() => wb.ui.setState({ panel: 'inspector' })} data-testid="tab-inspector">
          Inspector
        </button>
        <button role="tab" aria-selected={panel === 'method'} onClick={() => wb.ui.setState({ panel: 'method' })} data-testid="tab-method">
          Method
        </button>
      </div>
      <div className="panel-body">{panel === 'inspector' ? <Inspector /> : <MethodPanel />}</div>
    </aside>
  );
}
