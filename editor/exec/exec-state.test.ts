import { describe, expect, it } from 'vitest';
import { etaMs, idleExec, reduceRun, runSummary } from './exec-state.ts';

describe('execution state', () => {
  it('follows a node from queued through running with progress to done', () => {
    let s = reduceRun(idleExec, { type: 'run-started', runId: 'r', requested: ['a'], toRun: ['a'], cached: ['b'] }, 0);
    s = reduceRun(s, { type: 'node-cached', runId: 'r', nodeId: 'b' }, 0);
    s = reduceRun(s, { type: 'node-queued', runId: 'r', nodeId: 'a' }, 0);
    s = reduceRun(s, { type: 'node-running', runId: 'r', nodeId: 'a' }, 100);
    s = reduceRun(s, { type: 'node-running', runId: 'r', nodeId: 'a', progress: { value: 1, max: 4 } }, 1100);
    expect(s.nodes.a).toMatchObject({ status: 'running', startedAt: 100, etaMs: undefined });
    s = reduceRun(s, { type: 'node-running', runId: 'r', nodeId: 'a', progress: { value: 2, max: 4 } }, 1200);
    // The rate is measured from the first tick (100 ms a step), not from the start, which
    // included loading: 2 steps left, 200 ms.
    expect(s.nodes.a).toMatchObject({ status: 'running', startedAt: 100, etaMs: 200 });
    s = reduceRun(s, { type: 'node-done', runId: 'r', nodeId: 'a', ms: 1200 }, 1300);
    s = reduceRun(s, { type: 'run-finished', runId: 'r', stats: { nodes: 2, ran: 1, cached: 1, failed: 0 }, ms: 1300 }, 1300);
    expect(s.nodes).toEqual({ a: { status: 'done', ms: 1200 }, b: { status: 'cached' } });
    expect(runSummary(s)).toEqual({ ran: 1, cached: 1, failed: 0, stopped: 0 });
    expect(s).toMatchObject({ running: false, outcome: 'finished' });
  });

  it('ignores events of a run that was replaced', () => {
    const s = reduceRun(idleExec, { type: 'run-started', runId: 'new', requested: [], toRun: [], cached: [] }, 0);
    expect(reduceRun(s, { type: 'node-error', runId: 'old', nodeId: 'a', message: 'x', reason: 'threw' }, 0)).toBe(s);
  });

  it('reports a stop as a stop: nodes not finished are stopped, not failed, and keep no error', () => {
    let s = reduceRun(idleExec, { type: 'run-started', runId: 'r', requested: ['a', 'b'], toRun: ['a', 'b'], cached: [] }, 0);
    s = reduceRun(s, { type: 'node-done', runId: 'r', nodeId: 'a', ms: 5 }, 5);
    s = reduceRun(s, { type: 'node-error', runId: 'r', nodeId: 'b', message: 'cancelled', reason: 'cancelled' }, 6);
    s = reduceRun(s, { type: 'node-error', runId: 'r', nodeId: 'c', message: 'boom', reason: 'threw' }, 6);
    expect(s.nodes.b).toEqual({ status: 'stopped' });
    expect(runSummary(s)).toEqual({ ran: 1, cached: 0, failed: 1, stopped: 1 });
  });

  it('estimates time left only once there is a rate', () => {
    expect(etaMs({ value: 0, max: 10 }, 0, 100)).toBeUndefined();
    expect(etaMs({ value: 5, max: 10 }, 0, 100)).toBe(100);
  });
});
