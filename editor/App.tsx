// The workbench: toolbar, node library, canvas, side panel, palette, dialogs and notices.
import { ReactFlowProvider } from '@xyflow/react';
import { useCallback, useRef } from 'react';
import { Canvas } from './canvas/Canvas.tsx';
import { ResultViewer } from './canvas/ResultViewer.tsx';
import { Library } from './palette/Library.tsx';
import { QuickAdd } from './palette/QuickAdd.tsx';
import { Dialogs } from './ui/Dialogs.tsx';
import { SidePanel } from './ui/SidePanel.tsx';
import { Toasts } from './ui/Toasts.tsx';
import { Toolbar } from './ui/Toolbar.tsx';
import { useShortcuts } from './ui/useShortcuts.ts';
import { WorkbenchContext, useWorkbench, type Workbench } from './workbench.ts';

export function App({ workbench }: { workbench: Workbench }) {
  return (
    <WorkbenchContext.Provider value={workbench}>
      <ReactFlowProvider>
        <Shell />
      </ReactFlowProvider>
    </WorkbenchContext.Provider>
  );
}

function Shell() {
  const wb = useWorkbench();
  const fileInput = useRef<HTMLInputElement>(null);
  const openFile = useCallback(() => fileInput.current?.click(), []);
  useShortcuts(wb, openFile);
  return (
    <div className="app">
      <Toolbar openFile={openFile} />
      <main className="workspace">
        <Library />
        <Canvas />
        <SidePanel />
      </main>
      <QuickAdd />
      <Dialogs />
      <ResultViewer />
      <Toasts />
      <input
        ref={fileInput}
        type="file"
        accept=".json,application/json,image/png,image/jpeg,image/webp"
        multiple
        hidden
        data-testid="file-input"
        onChange={(e) => {
          const files = [...(e.target.files ?? [])];
          e.target.value = '';
          if (files.length) void wb.actions.openFiles(files, { x: 0, y: 0 });
        }}
      />
    </div>
  );
}
