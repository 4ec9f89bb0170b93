// Execution state, apart from the document: what each node is doing in the current run, its
// progress and ETA, live previews and errors. A pure reducer over the runtime's events.
import type { RgbaImage, RunEvent, RunStats } from '../../runtime/index.ts';
import type { Preview } from './previews.ts';

/** `stopped`: the run was stopped before this node finished (not an error of the node). */
export type NodeStatus = 'queued' | 'running' | 'cached' | 'done' | 'error' | 'stopped';

export interface NodeExec {
  status: NodeStatus;
  progress?: { value: number; max: number };
  startedAt?: number;
  /** The first progress tick after the start: the ETA's rate is measured from it, since the time
   * before it (loading a model, building a graph) says nothing about the steps left. */
  firstTick?: { at: number; value: number };
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
  /** The cache key each result was made under: a node whose key has changed since (an edit
   * upstream or of its own params) shows its result as stale. */
  resultKeys: Readonly<Record<string, string>>;
  /** The cache keys of the current run's nodes, which their statuses are about. */
  runKeys: Readonly<Record<string, string>>;
  stats?: RunStats;
  ms?: number;
  outcome?: 'finished' | 'cancelled' | 'invalid';
}

export const idleExec: ExecState = { running: false, nodes: {}, results: {}, resultKeys: {}, runKeys: {} };

/** Linear ETA: the time per unit of progress since `from`, times the work left. Undefined until
 * there is a rate. */
export function etaMs(progress: { value: number; max: number }, startedAt: number, now: number, from = 0): number | undefined {
  const done = progress.value - from;
  if (done <= 0 || progress.max <= 0 || now <= startedAt) return undefined;
  return Math.max(0, ((now - startedAt) * (progress.max - progress.value)) / done);
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
      const running = prev?.status === 'running' ? prev : undefined;
      const firstTick = running?.firstTick ?? (e.progress ? { at: now, value: e.progress.value } : undefined);
      return put(s, e.nodeId, {
        status: 'running',
        startedAt,
        firstTick,
        progress,
        etaMs: progress && firstTick && etaMs(progress, firstTick.at, now, firstTick.value),
        live: e.preview ?? prev?.live,
      });
    }
    case 'node-done':
      return put(s, e.nodeId, { status: 'done', ms: e.ms });
    case 'node-error':
      return put(s, e.nodeId, e.reason === 'cancelled' ? { status: 'stopped' } : { status: 'error', error: e.message });
  }
}

export function withResult(s: ExecState, nodeId: string, previews: Preview[], key?: string | null): ExecState {
  const resultKeys = { ...s.resultKeys };
  if (key) resultKeys[nodeId] = key;
  else delete resultKeys[nodeId];
  return { ...s, results: { ...s.results, [nodeId]: previews }, resultKeys };
}

/** What the toolbar says of the last run, counted from the nodes: a stop is a stop, not failures. */
export function runSummary(s: ExecState): { ran: number; cached: number; failed: number; stopped: number } {
  const count = (status: NodeStatus) => Object.values(s.nodes).filter((n) => n.status === status).length;
  return { ran: count('done'), cached: count('cached'), failed: count('error'), stopped: count('stopped') };
}

/** A run the editor refused before it started (the graph has errors). */
export const invalidRun = (s: ExecState): ExecState => ({ ...s, running: false, outcome: 'invalid' });
