// How the CLI shows a run: progress bars on a terminal, one line per event elsewhere, or one
// JSON object per line with --json (previews reduced to their size; pixels are not for logs).
import type { RunEvent, RunStats } from '../events.ts';

export const summaryLine = (s: RunStats) => `nodes: ${s.nodes}, ran: ${s.ran}, cached: ${s.cached}, failed: ${s.failed}`;

export function eventJson(e: RunEvent): string {
  if (e.type === 'node-running' && e.preview) return JSON.stringify({ ...e, preview: { width: e.preview.width, height: e.preview.height } });
  return JSON.stringify(e);
}

export function bar(value: number, max: number, width = 24): string {
  const f = max > 0 ? Math.min(1, Math.max(0, value / max)) : 0;
  const full = Math.round(f * width);
  return `[${'#'.repeat(full)}${'-'.repeat(width - full)}] ${String(Math.round(f * 100)).padStart(3)}%`;
}

/** A reporter for humans. On a terminal the running node's bar redraws in place. */
export function textReporter(write: (s: string) => void, tty: boolean, titleOf: (nodeId: string) => string) {
  let live = false;
  const line = (s: string) => {
    write(`${live ? '\r\x1b[K' : ''}${s}\n`);
    live = false;
  };
  return (e: RunEvent) => {
    switch (e.type) {
      case 'run-started':
        line(`running ${e.toRun.length} node(s), ${e.cached.length} from cache`);
        break;
      case 'node-cached':
        line(`  cached  ${titleOf(e.nodeId)}`);
        break;
      case 'node-running':
        if (tty && e.progress) {
          write(`\r\x1b[K  ${bar(e.progress.value, e.progress.max)} ${titleOf(e.nodeId)}`);
          live = true;
        }
        break;
      case 'node-done':
        line(`  done    ${titleOf(e.nodeId)} ${e.ms.toFixed(0)} ms`);
        break;
      case 'node-error':
        line(`  ${e.reason === 'blocked' ? 'skipped' : 'FAILED '} ${titleOf(e.nodeId)}: ${e.message}`);
        break;
      case 'node-queued':
      case 'run-finished':
      case 'run-cancelled':
        break;
    }
  };
}
