// What a run reports as it goes. Fast-changing execution state: the editor keeps it apart from
// the undoable document, the CLI prints it (one JSON object per line with --json).
import type { RgbaImage } from './platform.ts';

export interface RunStats {
  /** Nodes in the graph. */
  nodes: number;
  ran: number;
  cached: number;
  /** Nodes that reported an error: threw, were cancelled, or could not run for a failed input. */
  failed: number;
}

export type NodeEvent =
  | { type: 'node-queued'; runId: string; nodeId: string }
  | { type: 'node-running'; runId: string; nodeId: string; progress?: { value: number; max: number }; preview?: RgbaImage }
  | { type: 'node-cached'; runId: string; nodeId: string }
  | { type: 'node-done'; runId: string; nodeId: string; ms: number }
  | { type: 'node-error'; runId: string; nodeId: string; message: string; reason: 'threw' | 'crashed' | 'cancelled' | 'blocked' };

export type RunEvent =
  | NodeEvent
  | { type: 'run-started'; runId: string; requested: string[]; toRun: string[]; cached: string[] }
  | { type: 'run-finished'; runId: string; stats: RunStats; ms: number }
  | { type: 'run-cancelled'; runId: string; stats: RunStats; ms: number };

export type RunEventListener = (event: RunEvent) => void;
