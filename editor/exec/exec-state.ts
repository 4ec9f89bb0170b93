// Execution state, apart from the document: what each node is doing in the current run, its
// progress and ETA, live previews and errors. A pure reducer over the runtime's events.
import type { RgbaImage, RunEvent, RunStats } from '../../runtime/index.ts';
import type { Preview } from './previews.ts';

export type NodeStatus = 'queued' | 'running' | 'cached' | 'done' | 'error';

export interface NodeExec {
  status: NodeStatus;
  progress?: { value: number; max: number };
  startedAt?: number;
  /** Estimated milliseconds left, from the progress rate so far. */
  etaMs?: number;
  ms?: number;
  error?: string;
  live?: RgbaImage;
}

export interface ExecState {
  runId?: string;
  running: boolean;
  nodes: Readonly<Record<string, NodeExec>>;
  /** Latest results per node; they outlive runs so a node keeps its picture until it re-runs. */
  results: Readonly<Record<string, Preview[]>>;
  stats?: RunStats;
  ms?: number;
  outcome?: 'finished' | 'cancelled' | 'invalid';
}

export const idleExec: ExecState = { running: false, nodes: {}, results: {} };

/** Linear ETA: time spent so far scaled by the work left. Undefined until there is a rate. */
export function etaMs(progress: { value: number; max: number }, startedAt: number, now: number): number | undefined {
  if (progress.value <= 0 || progress.max <= 0 || now <= startedAt) return undefined;
  return Math.max(0, ((now - startedAt) * (progress.max - progress.value)) / progress.value);
}

const put = (s: ExecState, id: string, n: NodeExec): ExecState => ({ ...s, nodes: { ...s.nodes, [id]: n } });

export function reduceRun(s: ExecState, e: RunEvent, now: number): ExecState {
  if (e.type === 'run-started') return { ...s, runId: e.runId, running: true, nodes: {}, stats: undefined, ms: undefined, outcome: undefined };
  if (e.runId !== s.runId) return s; // a late event from a run that was replaced
  switch (e.type) {
    case 'run-finished':
    case 'run-cancelled':
      return { ...s, running: false, stats: e.stats, ms: e.ms, outcome: e.type === 'run-finished' ? 'finished' : 'cancelled' };
    case 'node-queued':
      return put(s, e.nodeId, { status: 'queued' });
    case 'node-cached':
      return put(s, e.nodeId, { status: 'cached' });
    case 'node-running': {
      const prev = s.nodes[e.nodeId];
      const startedAt = prev?.status === 'running' ? (prev.startedAt ?? now) : now;
      const progress = e.progress ?? prev?.progress;
      return put(s, e.nodeId, {
        status: 'running',
        startedAt,
        progress,
        etaMs: progress && etaMs(progress, startedAt, now),
        live: e.preview ?? prev?.live,
      });
    }
    case 'node-done':
      return put(s, e.nodeId, { status: 'done', ms: e.ms });
    case 'node-error':
      return put(s, e.nodeId, { status: 'error', error: e.message });
  }
}

export function withResult(s: ExecState, nodeId: string, previews: Preview[]): ExecState {
  return { ...s, results: { ...s.results, [nodeId]: previews } };
}

/** A run the editor refused before it started (the graph has errors). */
export const invalidRun = (s: ExecState): ExecState => ({ ...s, running: false, outcome: 'invalid' });
