// Reading an ONNX Model node's ports from its file, when a person picks or types the file or asks
// with the Inspector's button: the node's `describe` runs where nodes run (a worker), and the
// answer is written into the node as one undo step (recordPorts). A file that cannot be read
// shows its error on the node, as a failed run would; the document is left as it was.
import type { GraphDoc, Runtime } from '../../runtime/index.ts';
import type { DocStore } from '../document/doc-store.ts';
import { asPortList, ONNX_MODEL, recordPorts } from '../document/record-ports.ts';
import type { ExecStore } from './exec-store.ts';

export interface PortReader {
  /** Read the node's file now (the button; a picked file). Resolves when written or failed. */
  read(nodeId: string): Promise<void>;
  /** Read it once the person has stopped typing the file's name for a moment. */
  readSoon(nodeId: string): void;
  /** Whether a read of this node is under way. */
  reading(nodeId: string): boolean;
}

/** Typing a path sends an edit per key; read the file once the typing pauses. */
export const TYPING_PAUSE_MS = 600;

export function createPortReader(deps: { runtime: Runtime; doc: DocStore; exec: ExecStore; pauseMs?: number }): PortReader {
  const timers = new Map<string, ReturnType<typeof setTimeout>>();
  const pending = new Map<string, AbortController>();
  const nodeOf = (doc: GraphDoc, id: string) => doc.nodes.find((n) => n.id === id);

  const setError = (nodeId: string, error: string | undefined) => {
    const s = deps.exec.getState();
    const nodes = { ...s.nodes };
    if (error !== undefined) nodes[nodeId] = { status: 'error', error };
    else if (nodes[nodeId]?.status === 'error') delete nodes[nodeId];
    else return;
    // The error is about the node as it is now, not about a past run's content (which would show it as stale).
    const runKeys = { ...s.runKeys };
    delete runKeys[nodeId];
    deps.exec.setState({ ...s, nodes, runKeys });
  };

  async function read(nodeId: string) {
    clearTimeout(timers.get(nodeId));
    timers.delete(nodeId);
    const node = nodeOf(deps.doc.getState().doc, nodeId);
    if (!node || node.type !== ONNX_MODEL) return;
    const source = node.params.source;
    if (typeof source !== 'string' || !source) return;
    // A newer read of the same node wins.
    pending.get(nodeId)?.abort();
    const ctrl = new AbortController();
    pending.set(nodeId, ctrl);
    try {
      const list = asPortList(await deps.runtime.describe(ONNX_MODEL, node.params as Record<string, unknown>, ctrl.signal));
      // The file was changed again (or the node removed) while this one was read: not its ports.
      if (ctrl.signal.aborted || nodeOf(deps.doc.getState().doc, nodeId)?.params.source !== source) return;
      setError(nodeId, undefined);
      deps.doc.getState().edit(`Read ports of ${source.split('/').pop()}`, recordPorts(nodeId, list));
    } catch (e) {
      if (ctrl.signal.aborted) return;
      setError(nodeId, e instanceof Error ? e.message : String(e));
    } finally {
      if (pending.get(nodeId) === ctrl) pending.delete(nodeId);
    }
  }

  return {
    read,
    readSoon(nodeId) {
      clearTimeout(timers.get(nodeId));
      timers.set(nodeId, setTimeout(() => void read(nodeId), deps.pauseMs ?? TYPING_PAUSE_MS));
    },
    reading: (nodeId) => pending.has(nodeId) || timers.has(nodeId),
  };
}
