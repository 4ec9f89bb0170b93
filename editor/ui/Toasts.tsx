// Short notices: what was undone, why a wire was refused, why a run could not start.
import { useUi } from '../workbench.ts';

export function Toasts() {
  const toasts = useUi((s) => s.toasts);
  return (
    <div className="toasts" aria-live="polite">
      {toasts.map((t) => (
        <div key={t.id} className={`toast toast-${t.tone}`} data-testid="toast">
          {t.text}
        </div>
      ))}
    </div>
  );
}
